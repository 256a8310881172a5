"""Where a journal lives on disk: one `.jsonl` file or a directory of rotated `journal-NNNNNN.jsonl`."""

from __future__ import annotations

import os
import re
from pathlib import Path

from trader.errors import JournalError

SINGLE_FILE_NAME = "journal.jsonl"
_ROTATED = re.compile(r"^journal-(\d{6,})\.jsonl$")
_TAIL_CHUNK = 64 * 1024


def is_single_file(path: Path) -> bool:
    """A path ending in `.jsonl` is one file; anything else is a directory of rotated files."""
    return path.suffix == ".jsonl"


def rotated_name(number: int) -> str:
    """`journal-000001.jsonl` for 1."""
    return f"journal-{number:06d}.jsonl"


def rotated_number(path: Path) -> int:
    """The number in a rotated file's name."""
    match = _ROTATED.match(path.name)
    if match is None:
        raise JournalError(f"{path}: not a rotated journal file name (journal-NNNNNN.jsonl)")
    return int(match.group(1))


def rotated_files(directory: Path) -> list[Path]:
    """The rotated files of `directory` in chain order (by number, not by name)."""
    found = [p for p in directory.iterdir() if _ROTATED.match(p.name) and p.is_file()]
    return sorted(found, key=rotated_number)


def journal_files(path: Path) -> list[Path]:
    """The files to verify, in order: a file, or a directory's rotated files (else its journal.jsonl)."""
    if path.is_file():
        return [path]
    if not path.exists():
        raise JournalError(f"{path}: no such journal file or directory")
    if not path.is_dir():
        raise JournalError(f"{path}: not a regular file or directory")
    files = rotated_files(path)
    if files:
        return files
    single = path / SINGLE_FILE_NAME
    if single.is_file():
        return [single]
    raise JournalError(f"{path}: no journal files (journal-NNNNNN.jsonl or journal.jsonl) in this directory")


def last_line(path: Path) -> tuple[bytes, int]:
    """The file's last line (with its newline, if any) and the byte offset where it starts."""
    with path.open("rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        if end == 0:
            return b"", 0
        pos = end
        tail = b""
        # Read backwards until a newline before the last line's own trailing newline is found.
        while pos > 0:
            step = min(_TAIL_CHUNK, pos)
            pos -= step
            fh.seek(pos)
            tail = fh.read(step) + tail
            cut = tail.rfind(b"\n", 0, len(tail) - 1)
            if cut >= 0:
                return tail[cut + 1 :], pos + cut + 1
        return tail, 0


def count_lines(path: Path) -> int:
    """Newline count of a file, read in chunks (for the per-file record count after a restart)."""
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable (a new file is lost on power failure without this)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
