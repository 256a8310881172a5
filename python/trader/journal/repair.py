"""Repair of a crash-torn journal: cut only the torn last line, keeping its bytes in a `.torn` file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from trader.errors import JournalError
from trader.journal.files import fsync_dir
from trader.journal.verify import ProblemKind, VerifyReport, verify_journal


@dataclass(frozen=True, slots=True)
class RepairResult:
    """What a repair did: nothing (`torn_copy` None) or cut `removed` bytes from `file`."""

    report: VerifyReport
    file: Path | None = None
    removed: int = 0
    torn_copy: Path | None = None


class RepairRefusedError(JournalError):
    """The journal is damaged by more than a torn tail; repair would hide tampering, so it does nothing."""


def repair_torn_tail(path: Path) -> RepairResult:
    """Truncate the torn last line of the journal at `path`; refuse when anything else is wrong."""
    report = verify_journal(path)
    problem = report.problem
    if problem is None:
        return RepairResult(report)
    if problem.kind is not ProblemKind.TORN_TAIL or problem.file is None or problem.offset is None:
        raise RepairRefusedError(f"refusing to repair: {problem.render()}")
    file, offset = problem.file, problem.offset
    with file.open("rb") as fh:
        fh.seek(offset)
        torn = fh.read()
    copy = _free_name(file.with_name(file.name + ".torn"))
    # The copy is durable before the cut, so the removed bytes are never only in memory.
    with os.fdopen(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), "wb") as out:
        out.write(torn)
        out.flush()
        os.fsync(out.fileno())
    fsync_dir(copy.parent)
    fd = os.open(file, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, offset)
        os.fsync(fd)
    finally:
        os.close(fd)
    return RepairResult(verify_journal(path), file, len(torn), copy)


def _free_name(candidate: Path) -> Path:
    number = 1
    chosen = candidate
    while chosen.exists():
        chosen = candidate.with_name(f"{candidate.name}.{number}")
        number += 1
    return chosen
