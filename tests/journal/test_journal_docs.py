"""The outside auditor's verifier printed in docs/journal.md agrees with the journal writer and verifier."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from journal_helpers import KEY, SIGNER, lines_of, write_journal

from trader.journal import FsyncPolicy, JournalOptions, verify_journal

DOC = Path(__file__).resolve().parents[2] / "docs" / "journal.md"


@pytest.fixture(scope="module")
def auditor_verify() -> Callable[..., tuple[int, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Verifying without this code") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {"__name__": "auditor"}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)
    verify: Callable[..., tuple[int, str]] = namespace["verify"]
    return verify


def test_the_documented_verifier_accepts_what_the_writer_wrote(
    tmp_path: Path, auditor_verify: Callable[..., tuple[int, str]]
) -> None:
    folder = tmp_path / "journal"
    write_journal(
        folder, 30, options=JournalOptions(fsync=FsyncPolicy.NEVER, rotate_records=7, checkpoint_every=4)
    )
    files = sorted(folder.glob("journal-*.jsonl"))
    report = verify_journal(folder, signer=SIGNER)
    assert report.ok
    assert auditor_verify(files, KEY) == (report.head_seq, report.head_hash)


def test_the_documented_verifier_rejects_what_ours_rejects(
    tmp_path: Path, auditor_verify: Callable[..., tuple[int, str]]
) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 10)
    lines = lines_of(path)
    path.write_bytes(b"".join([*lines[:4], lines[4].replace(b'"qty":"5"', b'"qty":"6"'), *lines[5:]]))
    problem = verify_journal(path).problem
    assert problem is not None
    assert problem.seq == 5
    with pytest.raises(ValueError, match="seq 5: hash or chain mismatch"):
        auditor_verify([path], KEY)
    write_journal(tmp_path / "other.jsonl", 10)
    with pytest.raises(ValueError, match="seq 6: checkpoint signature invalid"):
        auditor_verify([tmp_path / "other.jsonl"], b"wrong-key-0123456789")
