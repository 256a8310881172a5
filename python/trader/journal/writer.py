"""The journal writer: appends chained records, syncs them per policy, rotates files, writes checkpoints."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from trader._core import journal_line, journal_record
from trader.errors import JournalError
from trader.journal.canonical import format_instant, normalize_payload, raw_fields
from trader.journal.checkpoint import HmacSigner
from trader.journal.durability import FsyncPolicy, GroupCommit, datasync
from trader.journal.files import (
    count_lines,
    fsync_dir,
    is_single_file,
    last_line,
    rotated_files,
    rotated_name,
    rotated_number,
)
from trader.journal.record import (
    GENESIS_HASH,
    JournalKind,
    Record,
    RecordFormatError,
    chain_hash,
    encode_body,
    parse_body,
    seal,
    split_line,
)
from trader.journal.redact import Redactor


@dataclass(frozen=True, slots=True)
class JournalOptions:
    """How a journal is written. Rotation applies to directory journals only."""

    fsync: FsyncPolicy = FsyncPolicy.BATCH
    batch_records: int = 1000
    batch_ms: float = 50.0
    rotate_bytes: int | None = None
    rotate_records: int | None = None
    checkpoint_every: int = 10_000
    buffer_bytes: int = 0
    """With `fsync=never`: hold up to this many bytes of lines in the process and write them in one call
    (a backtest's journal); 0 writes each record as it is appended. `sync()` and `close()` write them out."""

    def __post_init__(self) -> None:
        for name in ("batch_records", "batch_ms", "checkpoint_every", "rotate_bytes", "rotate_records"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise JournalError(f"journal option {name}: must be > 0 (got {value!r})")
        if not self.buffer_bytes >= 0:
            raise JournalError(f"journal option buffer_bytes: must be >= 0 (got {self.buffer_bytes!r})")
        if self.buffer_bytes and self.fsync is not FsyncPolicy.NEVER:
            # A synced policy promises the record reaches the OS at once; a buffer would break that.
            raise JournalError(
                f"journal option buffer_bytes: needs fsync=never (got fsync={self.fsync.value})"
            )


class Journal:
    """An append-only, hash-chained JSON Lines journal; reopening continues the sequence and the chain.

    `path` ending in `.jsonl` is a single file; any other path is a directory of rotated files
    `journal-000001.jsonl`, ... Use as a context manager; appending after `close()` is an error.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        options: JournalOptions | None = None,
        signer: HmacSigner | None = None,
        clock: Callable[[], datetime] | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.path = Path(path)
        self.options = options or JournalOptions()
        self._single = is_single_file(self.path)
        if self._single and (self.options.rotate_bytes or self.options.rotate_records):
            raise JournalError(f"{self.path}: rotation needs a directory journal, not a .jsonl file")
        self._rotates = bool(self.options.rotate_bytes or self.options.rotate_records)
        self._signer = signer
        self._clock = clock or _utc_now
        known = [signer.secret_text] if signer is not None else []
        self._redactor = redactor or Redactor(known)
        self._lock = threading.Lock()
        self._fd_lock = threading.Lock()  # held while the fd is synced, swapped or closed
        self._seq, self._hash, self._last_ts = 0, GENESIS_HASH, ""
        self._since_checkpoint = 0
        self._closed = False
        self._failed: str | None = None
        self._file, self._fd = self._resume()
        self._file_bytes = os.fstat(self._fd).st_size
        self._file_records = count_lines(self._file) if self.options.rotate_records else 0
        self._always = self.options.fsync is FsyncPolicy.ALWAYS
        self._hold = self.options.buffer_bytes
        self._held: list[bytes] = []  # lines appended but not yet written (only with buffer_bytes)
        self._held_bytes = 0
        self._commit = (
            GroupCommit(self._sync, every=self.options.batch_records, interval_s=self.options.batch_ms / 1000)
            if self.options.fsync is FsyncPolicy.BATCH
            else None
        )

    # --- public surface --------------------------------------------------------------------------------

    @property
    def head(self) -> tuple[int, str]:
        """The last record's (seq, hash); (0, 64 zeros) for an empty journal."""
        return self._seq, self._hash

    @property
    def current_file(self) -> Path:
        """The file the next record goes to (before any rotation it triggers)."""
        return self._file

    def append(
        self,
        kind: JournalKind | str,
        payload: object,
        *,
        ts: datetime | None = None,
        actor: str | None = None,
    ) -> Record:
        """Append one record and return it as written; secrets in `payload` are masked first."""
        # The checks are ordered so that an engine's record (a known kind, no actor) passes them in a few
        # steps: a backtest appends three records per order.
        kind = _KIND_BY_VALUE.get(kind) or _kind(kind)
        if kind is JournalKind.CHECKPOINT:
            raise JournalError("checkpoint records are written by the journal itself, not appended")
        if actor is None:
            if kind is JournalKind.MANUAL_ACTION:
                raise JournalError("manual_action: actor is required (who did it)")
            who = None
        elif not isinstance(actor, str) or not actor.strip():
            raise JournalError(f"actor: must be a non-empty name (got {actor!r})")
        else:
            who = self._redactor.scrub(actor)
        stamp = format_instant(ts if ts is not None else self._clock())
        with self._lock:
            if self._closed or self._failed is not None or self._commit is not None:
                self._check_writable()
            record = self._append_locked(kind, payload, stamp, who)
            if self._signer is not None:
                self._since_checkpoint += 1
                if self._since_checkpoint >= self.options.checkpoint_every:
                    self._checkpoint_locked()
        return record

    def sync(self) -> None:
        """Force everything appended so far to disk now, whatever the policy."""
        with self._lock:
            self._check_writable()
            self._flush()
            self._sync()

    def close(self) -> None:
        """Seal with a checkpoint (when signing), sync and close; closing twice is harmless."""
        with self._lock:
            if self._closed:
                return
            try:
                if self._signer is not None and self._since_checkpoint and self._failed is None:
                    self._checkpoint_locked()
            finally:
                self._closed = True
                if self._commit is not None:
                    self._commit.close()
                with self._fd_lock:
                    try:
                        if self._failed is None:
                            self._flush()
                        if self.options.fsync is not FsyncPolicy.NEVER and self._failed is None:
                            datasync(self._fd)
                    finally:
                        os.close(self._fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r}, seq={self._seq})"

    # --- writing ---------------------------------------------------------------------------------------

    def _append_locked(self, kind: JournalKind, payload: object, stamp: str, who: str | None) -> Record:
        seq, prev = self._seq + 1, self._hash
        # Plain payloads (no floats) are normalised, encoded, hashed and sealed in Rust, to the same bytes;
        # the rest in Python (which also names a value that cannot be journaled).
        raw = payload if type(payload) is dict else raw_fields(payload)
        # `kind` is a str enum: the core reads its text as it is, without the `value` property's Python code.
        built = None if raw is None else journal_record(seq, stamp, kind, who, raw, prev, self._redactor)
        if built is None:
            data = normalize_payload(payload, self._redactor)
            plain = journal_line(seq, stamp, kind, who, data, prev)
            if plain is None:
                body = encode_body(seq=seq, ts=stamp, kind=kind.value, actor=who, payload=data, prev=prev)
                digest = chain_hash(prev, body)
                line = seal(body, digest)
            else:
                line, digest = plain
        else:
            line, digest, data = built
        if self._rotates and self._rotation_due():
            self._rotate()
        if self._hold:
            self._held.append(line)
            self._held_bytes += len(line)
            if self._held_bytes >= self._hold:
                self._flush(seq)
        else:
            self._write(line, seq)
        record = Record(seq, stamp, kind, who, data, self._hash, digest)
        self._seq, self._hash, self._last_ts = seq, digest, stamp
        self._file_bytes += len(line)
        self._file_records += 1
        if self._always:
            self._sync()
        elif self._commit is not None:
            self._commit.note()
        return record

    def _checkpoint_locked(self) -> None:
        assert self._signer is not None
        # Stamped with the sealed record's time, not the wall clock, so backtest journals stay reproducible.
        payload = self._signer.sign(self._seq, self._hash)
        self._append_locked(JournalKind.CHECKPOINT, payload, self._last_ts, None)
        self._since_checkpoint = 0

    def _write(self, line: bytes, seq: int, first: int | None = None) -> None:
        """Write `line` (records `first`..`seq`, or `seq` alone) whole, or fail the journal."""
        try:
            written = os.write(self._fd, line)
            while written < len(line):
                written += os.write(self._fd, line[written:])
        except OSError as exc:
            # A partial line may be on disk now: refuse further appends until it is repaired.
            which = f"seq {seq}" if first is None or first == seq else f"seq {first}..{seq}"
            self._failed = f"{self._file}: write of {which} failed ({exc.strerror})"
            raise JournalError(f"{self._failed}; run `trader audit repair` before reopening") from None

    def _flush(self, last: int | None = None) -> None:
        """Write the held lines (records up to `last`, default the last appended) in one call."""
        if not self._held:
            return
        lines, count, last = b"".join(self._held), len(self._held), last or self._seq
        self._held.clear()
        self._held_bytes = 0
        self._write(lines, last, last - count + 1)

    def _sync(self) -> None:
        with self._fd_lock:
            if not self._closed:
                datasync(self._fd)

    def _check_writable(self) -> None:
        if self._closed:
            raise JournalError(f"{self.path}: journal is closed")
        if self._failed is not None:
            raise JournalError(f"{self._failed}; journal refuses further appends")
        if self._commit is not None and self._commit.error is not None:
            self._failed = f"{self._file}: background fsync failed ({self._commit.error.strerror})"
            raise JournalError(f"{self._failed}; journal refuses further appends")

    def _rotation_due(self) -> bool:
        opts = self.options
        if self._single or self._file_records == 0:
            return False
        return bool(
            (opts.rotate_bytes and self._file_bytes >= opts.rotate_bytes)
            or (opts.rotate_records and self._file_records >= opts.rotate_records)
        )

    def _rotate(self) -> None:
        durable = self.options.fsync is not FsyncPolicy.NEVER
        new_file = self.path / rotated_name(rotated_number(self._file) + 1)
        self._flush()  # the held lines belong to the file being closed
        with self._fd_lock:
            if durable:
                datasync(self._fd)
            os.close(self._fd)
            self._file, self._fd = new_file, self._open(new_file)
        self._file_bytes = self._file_records = 0

    def _open(self, file: Path) -> int:
        fresh = not file.exists()
        fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if fresh and self.options.fsync is not FsyncPolicy.NEVER:
            fsync_dir(file.parent)
        return fd

    # --- reopening -------------------------------------------------------------------------------------

    def _resume(self) -> tuple[Path, int]:
        """Pick the file to append to and recover (seq, hash) from the last record on disk."""
        try:
            if self._single:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                files = [self.path] if self.path.exists() else []
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                files = rotated_files(self.path)
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot create the journal ({exc.strerror})") from None
        for file in reversed(files):
            line, offset = last_line(file)
            if line:
                self._recover_tail(file, line, offset)
                break
        current = files[-1] if files else (self.path if self._single else self.path / rotated_name(1))
        return current, self._open(current)

    def _recover_tail(self, file: Path, line: bytes, offset: int) -> None:
        if not line.endswith(b"\n"):
            raise JournalError(
                f"{file}: torn tail at byte {offset} (a crash cut the last append); "
                f"run `trader audit repair {self.path}` first"
            )
        try:
            body, digest = split_line(line[:-1])
            record = parse_body(body, digest)
        except RecordFormatError as exc:
            raise JournalError(
                f"{file}: last record is malformed ({exc}); run `trader audit verify`"
            ) from None
        if chain_hash(record.prev, body) != digest:
            raise JournalError(
                f"{file}: last record (seq {record.seq}) fails its hash; run `trader audit verify`"
            )
        self._seq, self._hash, self._last_ts = record.seq, digest, record.ts


_KIND_BY_VALUE: dict[object, JournalKind] = {k.value: k for k in JournalKind}


def _kind(kind: JournalKind | str) -> JournalKind:
    found = _KIND_BY_VALUE.get(kind)  # a member hashes like its value, so both forms hit
    if found is not None:
        return found
    try:
        return JournalKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in JournalKind)
        raise JournalError(f"kind: unknown journal kind {kind!r} (one of {names})") from None


def _utc_now() -> datetime:
    return datetime.now(UTC)
