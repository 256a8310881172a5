"""`trader audit` through the installed console script: exit codes 0/1/2, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from journal_helpers import KEY, lines_of, write_journal

TRADER = Path(sys.executable).parent / "trader"


def run(*args: str, key: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRADER_JOURNAL_KEY"}
    if key is not None:
        env["TRADER_JOURNAL_KEY"] = key.decode()
    return subprocess.run([str(TRADER), "audit", *args], capture_output=True, text=True, env=env, check=False)


def assert_no_traceback(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stdout + out.stderr


def test_verify_head_and_anchor_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    write_journal(folder, 12)
    key_file = tmp_path / "journal.key"
    key_file.write_bytes(KEY + b"\n")
    key_file.chmod(0o600)
    # An explicit --key-file wins over a (here wrong) $TRADER_JOURNAL_KEY.
    ok = run("verify", str(folder), "--key-file", str(key_file), key=b"wrong-key-0123456789")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("intact: 15 record(s) in 1 file(s); head seq 15 hash ")
    assert "3 checkpoint(s), 3 signature(s) verified" in ok.stdout
    head = run("head", str(folder))
    assert head.returncode == 0
    anchor = head.stdout.strip()
    assert anchor.startswith("15:")
    assert run("verify", str(folder), "--anchor", anchor).returncode == 0


def test_a_tampered_journal_exits_1_naming_the_seq(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 8)
    lines = lines_of(path)
    path.write_bytes(b"".join([*lines[:3], lines[3].replace(b'"qty":"4"', b'"qty":"9"'), *lines[4:]]))
    out = run("verify", str(path))
    assert out.returncode == 1
    assert out.stdout.startswith(f"BROKEN: modified at seq 4 ({path}:4): hash mismatch")
    report = json.loads(run("verify", str(path), "--json").stdout)
    assert (report["ok"], report["problem"]["kind"], report["problem"]["seq"]) == (False, "modified", 4)
    refused = run("repair", str(path))
    assert refused.returncode == 1
    assert "refusing to repair: modified at seq 4" in refused.stderr
    assert_no_traceback(refused)


def test_a_wrong_key_or_a_published_head_that_is_gone_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 8)
    wrong = run("verify", str(path), key=b"another-key-0123456789")
    assert wrong.returncode == 1
    assert "checkpoint_forged at seq 6" in wrong.stdout
    assert "another key" in wrong.stdout
    head = run("head", str(path)).stdout.strip()
    lines = lines_of(path)
    path.write_bytes(b"".join(lines[:-2]))
    cut = run("verify", str(path), "--anchor", head)
    assert cut.returncode == 1
    assert f"truncated at seq {len(lines) - 1}" in cut.stdout


def test_torn_tail_is_reported_distinctly_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 5)
    intact = path.read_bytes()
    path.write_bytes(intact + b'{"actor":null,"ki')
    torn = run("verify", str(path))
    assert torn.returncode == 1
    assert torn.stdout.startswith("TORN TAIL: torn_tail at seq 7")
    fixed = run("repair", str(path))
    assert fixed.returncode == 0, fixed.stderr
    assert "removed 17 torn byte(s)" in fixed.stdout
    assert path.read_bytes() == intact
    again = run("repair", str(path))
    assert again.stdout.startswith("nothing to repair: journal intact up to seq 6")


def test_user_mistakes_exit_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 2)
    empty = tmp_path / "empty"
    empty.mkdir()
    key_file = tmp_path / "journal.key"
    key_file.write_text("0123456789abcdef0123")
    key_file.chmod(0o644)
    cases = [
        (("verify", str(tmp_path / "missing")), "no such journal file or directory"),
        (("head", str(empty)), "no journal files"),
        (("verify", str(path), "--anchor", "7:xyz"), "--anchor: expected SEQ:HASH"),
        (("verify", str(path), "--key-file", str(key_file)), "readable by others (mode 644)"),
    ]
    for args, message in cases:
        out = run(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert message in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
        assert_no_traceback(out)


def test_an_unsigned_journal_fails_against_a_key_unless_told_no_key(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 3, signer=None)
    strict = run("verify", str(path), key=KEY)
    assert strict.returncode == 1
    assert "unsigned at seq 1" in strict.stdout
    assert run("verify", str(path), "--no-key", key=KEY).returncode == 0
