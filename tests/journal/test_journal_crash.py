"""Crashes: a killed writer leaves a verifiable journal; a torn last line is reported and repaired."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from journal_helpers import T0, lines_of, write_journal

from trader.errors import JournalError
from trader.journal import (
    FsyncPolicy,
    Journal,
    JournalOptions,
    ProblemKind,
    RepairRefusedError,
    repair_torn_tail,
    verify_journal,
)

WRITER = textwrap.dedent(
    """
    import sys
    from trader.journal import Journal, JournalOptions
    with Journal(sys.argv[1], options=JournalOptions(rotate_records=150)) as journal:
        i = 0
        while True:
            journal.append("signal", {"i": i, "why": "x" * (i % 300)})
            i += 1
    """
)


def test_a_killed_writer_leaves_a_journal_that_verifies_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            files = sorted(folder.glob("journal-*.jsonl")) if folder.exists() else []
            if len(files) >= 3:
                break
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)  # mid-append: no close, no final sync
    finally:
        child.wait(timeout=10)
    report = verify_journal(folder)
    if report.problem is not None:  # a kill between the bytes of one write() is possible but rare
        assert report.problem.kind is ProblemKind.TORN_TAIL
        repair_torn_tail(folder)
        report = verify_journal(folder)
    assert report.ok, report.problem
    # Two full files of 150 precede the third; the kill may land before the third file's first record.
    assert report.records >= 300
    with Journal(folder, options=JournalOptions(fsync=FsyncPolicy.NEVER, rotate_records=150)) as journal:
        record = journal.append("run_start", {"resumed": True}, ts=T0)
    assert record.seq == report.head_seq + 1
    assert verify_journal(folder).ok


@pytest.mark.parametrize("cut", [1, 40, 200, -1])
def test_a_torn_last_line_is_reported_repaired_and_appends_continue(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 9)
    intact = path.read_bytes()
    lines = lines_of(path)
    # The crash: the next append got only part of its line onto the disk.
    torn = lines[1][:cut] if cut > 0 else lines[1][:-1]
    path.write_bytes(intact + torn)
    seq_of_torn = len(lines) + 1

    problem = verify_journal(path).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (ProblemKind.TORN_TAIL, seq_of_torn)
    assert f"records up to seq {len(lines)} are intact" in problem.detail
    with pytest.raises(JournalError, match=r"torn tail at byte \d+ .*trader audit repair"):
        Journal(path)

    result = repair_torn_tail(path)
    assert path.read_bytes() == intact  # nothing but the torn bytes removed
    assert result.torn_copy is not None
    assert result.torn_copy.read_bytes() == torn
    assert result.removed == len(torn)
    assert result.report.ok

    with Journal(path, options=JournalOptions(fsync=FsyncPolicy.NEVER)) as journal:
        assert journal.append("run_start", {}, ts=T0).seq == seq_of_torn
    assert verify_journal(path).ok


def test_repair_refuses_a_tampered_journal_and_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 6)
    lines = lines_of(path)
    tampered = b"".join([lines[0], *lines[2:]]) + b'{"half'
    path.write_bytes(tampered)
    with pytest.raises(RepairRefusedError, match="refusing to repair: deleted at seq 2"):
        repair_torn_tail(path)
    assert path.read_bytes() == tampered
    assert not list(tmp_path.glob("*.torn*"))


def test_repair_of_an_intact_journal_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 3)
    before = path.read_bytes()
    result = repair_torn_tail(path)
    assert (result.torn_copy, result.removed, path.read_bytes()) == (None, 0, before)


def test_repair_keeps_earlier_torn_copies(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    write_journal(folder, 8, options=JournalOptions(fsync=FsyncPolicy.NEVER, rotate_records=4))
    last = sorted(folder.glob("journal-*.jsonl"))[-1]
    for torn in (b'{"actor":nu', b"\x00\x00\x00\x00"):
        with last.open("ab") as fh:
            fh.write(torn)
        result = repair_torn_tail(folder)
        assert result.file == last
        assert result.torn_copy is not None
        assert result.torn_copy.read_bytes() == torn
    assert sorted(p.name for p in folder.glob("*.torn*")) == [f"{last.name}.torn", f"{last.name}.torn.1"]
    assert verify_journal(folder).ok
    assert os.stat(last).st_size == sum(len(line) for line in lines_of(last))
