"""Verification of a journal: the hash chain, the sequence, checkpoints and published anchors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from trader.errors import JournalError
from trader.journal.checkpoint import HmacSigner, checkpoint_shape_problem
from trader.journal.files import journal_files
from trader.journal.record import (
    GENESIS_HASH,
    JournalKind,
    Record,
    RecordFormatError,
    chain_hash,
    parse_body,
    split_line,
)


class ProblemKind(StrEnum):
    """What broke, in the words an auditor would use."""

    MODIFIED = "modified"
    DELETED = "deleted"
    INSERTED_OR_REORDERED = "inserted_or_reordered"
    CHAIN_BROKEN = "chain_broken"
    MALFORMED = "malformed"
    TORN_TAIL = "torn_tail"
    TRUNCATED = "truncated"
    ANCHOR_MISMATCH = "anchor_mismatch"
    CHECKPOINT_INVALID = "checkpoint_invalid"
    CHECKPOINT_FORGED = "checkpoint_forged"
    UNSIGNED = "unsigned"


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing wrong: at which sequence number (the chain position), in which file and line."""

    kind: ProblemKind
    seq: int
    detail: str
    file: Path | None = None
    line: int | None = None
    offset: int | None = None  # byte offset of the line in `file` (where a repair would cut)

    def render(self) -> str:
        """One line: `modified at seq 42 (journal-000002.jsonl:17): ...` (never record contents)."""
        where = "" if self.file is None else f" ({self.file}:{self.line})" if self.line else f" ({self.file})"
        return f"{self.kind.value} at seq {self.seq}{where}: {self.detail}"


@dataclass(slots=True)
class VerifyReport:
    """What verification found; `problem` is None exactly when the journal is intact."""

    files: list[Path]
    records: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    head_ts: str | None = None
    checkpoints: int = 0
    signatures_checked: int = 0
    last_checkpoint_seq: int | None = None
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return self.problem is None


def verify_journal(
    path: Path, *, signer: HmacSigner | None = None, anchors: Mapping[int, str] | None = None
) -> VerifyReport:
    """Check every record of the journal at `path` (a file or a directory) and report the first problem.

    With `signer`, every checkpoint signature is checked and a journal without one fails. `anchors`
    maps seq -> hash values published earlier; each must match, and a journal ending before one is
    reported as truncated.
    """
    report = VerifyReport(files=journal_files(path))
    walker = _Walker(report, signer, dict(anchors or {}))
    for file, number, offset, line, last in _lines(report.files):
        if not walker.step(file, number, offset, line, last):
            return report
    walker.finish()
    return report


def read_records(path: Path, *, signer: HmacSigner | None = None) -> Iterator[Record]:
    """Yield the journal's records in order, verifying as it goes; JournalError at the first problem.

    Records before a problem have already been yielded: a consumer that must not act on a broken
    journal (replay) should run `verify_journal` first or roll back on the error.
    """
    report = VerifyReport(files=journal_files(path))
    walker = _Walker(report, signer, {})
    for file, number, offset, line, last in _lines(report.files):
        if not walker.step(file, number, offset, line, last):
            break
        assert walker.record is not None
        yield walker.record
    else:
        walker.finish()
    if report.problem is not None:
        raise JournalError(f"{path}: {report.problem.render()}")


class _Walker:
    """Walks lines in chain order, keeping the expected seq and prev hash."""

    def __init__(self, report: VerifyReport, signer: HmacSigner | None, anchors: dict[int, str]) -> None:
        self.report = report
        self.signer = signer
        self.anchors = anchors
        self.seq = 0
        self.hash = GENESIS_HASH
        self.record: Record | None = None

    def fail(self, kind: ProblemKind, detail: str, file: Path, number: int, offset: int) -> bool:
        self.report.problem = Problem(kind, self.seq + 1, detail, file, number, offset)
        return False

    def step(self, file: Path, number: int, offset: int, line: bytes, last: bool) -> bool:
        expected = self.seq + 1
        if not line.endswith(b"\n"):
            if last:
                return self._torn(file, number, offset, len(line), "no newline at the end")
            detail = "last line of a rotated file has no newline (file cut short)"
            return self.fail(ProblemKind.MALFORMED, detail, file, number, offset)
        try:
            body, stated = split_line(line[:-1])
            record = parse_body(body, stated)
        except RecordFormatError as exc:
            if last:
                return self._torn(file, number, offset, len(line), str(exc))
            return self.fail(ProblemKind.MALFORMED, f"not a journal record: {exc}", file, number, offset)
        if chain_hash(record.prev, body) != stated:
            return self.fail(
                ProblemKind.MODIFIED, "hash mismatch: the record was changed", file, number, offset
            )
        if record.seq > expected:
            what = f"seq {expected}" if record.seq == expected + 1 else f"seqs {expected}..{record.seq - 1}"
            detail = f"found seq {record.seq}: {what} missing (deleted or moved)"
            return self.fail(ProblemKind.DELETED, detail, file, number, offset)
        if record.seq < expected:
            detail = (
                f"found seq {record.seq} where seq {expected} belongs (inserted, duplicated or reordered)"
            )
            return self.fail(ProblemKind.INSERTED_OR_REORDERED, detail, file, number, offset)
        if record.prev != self.hash:
            detail = "prev hash does not match the previous record (spliced or rewritten chain)"
            return self.fail(ProblemKind.CHAIN_BROKEN, detail, file, number, offset)
        if record.kind is JournalKind.CHECKPOINT and not self._checkpoint(record, file, number, offset):
            return False
        anchored = self.anchors.get(record.seq)
        if anchored is not None and anchored != record.hash:
            detail = f"hash {record.hash[:16]}... differs from the published {anchored[:16]}..."
            return self.fail(ProblemKind.ANCHOR_MISMATCH, detail, file, number, offset)
        self.seq, self.hash, self.record = record.seq, record.hash, record
        self.report.records += 1
        self.report.head_seq, self.report.head_hash, self.report.head_ts = record.seq, record.hash, record.ts
        return True

    def _torn(self, file: Path, number: int, offset: int, size: int, why: str) -> bool:
        detail = (
            f"torn last line ({size} bytes at byte {offset}: {why}); a crash cut the last append, "
            f"records up to seq {self.seq} are intact; `trader audit repair` removes only this line"
        )
        return self.fail(ProblemKind.TORN_TAIL, detail, file, number, offset)

    def _checkpoint(self, record: Record, file: Path, number: int, offset: int) -> bool:
        shape = checkpoint_shape_problem(record.payload, record.seq, record.prev)
        if shape is not None:
            return self.fail(ProblemKind.CHECKPOINT_INVALID, shape, file, number, offset)
        self.report.checkpoints += 1
        if self.signer is not None:
            forged = self.signer.check(record.payload)
            if forged is not None:
                return self.fail(ProblemKind.CHECKPOINT_FORGED, forged, file, number, offset)
            self.report.signatures_checked += 1
            self.report.last_checkpoint_seq = record.seq
        return True

    def finish(self) -> None:
        report = self.report
        beyond = sorted(seq for seq in self.anchors if seq > self.seq)
        if beyond:
            detail = f"journal ends at seq {self.seq} but seq {beyond[-1]} was published"
            report.problem = Problem(ProblemKind.TRUNCATED, self.seq + 1, detail, report.files[-1])
            return
        if self.signer is None:
            if report.checkpoints:
                report.notes.append(f"{report.checkpoints} checkpoint signature(s) not checked: no key given")
            return
        if report.last_checkpoint_seq is None:
            if self.seq:
                detail = (
                    "no signed checkpoint although a key was given: nothing proves who wrote these "
                    "records (an unsigned journal verifies with --no-key)"
                )
                report.problem = Problem(ProblemKind.UNSIGNED, 1, detail, report.files[0])
            return
        if report.last_checkpoint_seq < self.seq:
            report.notes.append(
                f"records after seq {report.last_checkpoint_seq} are chained but not yet signed "
                "(the writer did not close cleanly, or the next checkpoint is not due)"
            )


def _lines(files: list[Path]) -> Iterator[tuple[Path, int, int, bytes, bool]]:
    """(file, 1-based line number, byte offset, line, is-last-line-of-the-journal) in chain order."""
    for index, file in enumerate(files):
        final_file = index == len(files) - 1
        with file.open("rb") as fh:
            pending: bytes | None = None
            number = offset = 0
            for line in fh:
                if pending is not None:
                    yield file, number, offset, pending, False
                    offset += len(pending)
                pending = line
                number += 1
            if pending is not None:
                yield file, number, offset, pending, final_file
