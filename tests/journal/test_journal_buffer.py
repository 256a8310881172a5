"""A buffered journal (`buffer_bytes`, a backtest's) writes the same bytes, later and in fewer writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from journal_helpers import SIGNER, T0, lines_of, payload, write_journal

from trader.errors import JournalError
from trader.journal import FsyncPolicy, Journal, JournalKind, JournalOptions, verify_journal

BUFFERED = JournalOptions(fsync=FsyncPolicy.NEVER, buffer_bytes=1000, checkpoint_every=5)


def test_buffered_and_direct_journals_are_byte_equal(tmp_path: Path) -> None:
    head = write_journal(tmp_path / "buffered.jsonl", 40, options=BUFFERED)
    direct = JournalOptions(fsync=FsyncPolicy.NEVER, checkpoint_every=5)
    assert write_journal(tmp_path / "direct.jsonl", 40, options=direct) == head
    assert (tmp_path / "buffered.jsonl").read_bytes() == (tmp_path / "direct.jsonl").read_bytes()
    assert verify_journal(tmp_path / "buffered.jsonl", signer=SIGNER).records == head[0]


def test_lines_are_held_until_the_buffer_fills_then_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path, options=BUFFERED) as journal:
        journal.append(JournalKind.FILL, payload(1), ts=T0)
        assert path.read_bytes() == b""  # held in the process
        while path.stat().st_size == 0:
            journal.append(JournalKind.FILL, payload(2), ts=T0)
        written = lines_of(path)
        assert sum(map(len, written)) >= 1000  # one write of everything held, whole lines only
        assert len(written) == journal.head[0]
        journal.append(JournalKind.FILL, payload(3), ts=T0)
        journal.sync()  # on demand, whatever is held goes out
        assert len(lines_of(path)) == journal.head[0]


def _run_that_fails(path: Path) -> None:
    with Journal(path, options=BUFFERED) as journal:
        journal.append(JournalKind.RUN_START, {"strategy": "x"}, ts=T0)
        raise RuntimeError("the strategy failed")


def test_close_writes_what_is_held_also_after_an_error_in_the_run(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with pytest.raises(RuntimeError, match="the strategy failed"):
        _run_that_fails(path)
    assert len(lines_of(path)) == 1
    assert verify_journal(path).records == 1


def test_rotation_writes_the_held_lines_to_the_file_they_belong_to(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    options = JournalOptions(fsync=FsyncPolicy.NEVER, buffer_bytes=4000, rotate_records=7)
    write_journal(folder, 30, options=options, signer=None)
    files = sorted(folder.iterdir())
    assert [len(lines_of(f)) for f in files] == [7, 7, 7, 7, 2]
    assert verify_journal(folder).records == 30


def test_a_buffer_needs_fsync_never_and_a_size_of_zero_or_more() -> None:
    with pytest.raises(JournalError, match=r"buffer_bytes: needs fsync=never \(got fsync=batch\)"):
        JournalOptions(buffer_bytes=10)
    with pytest.raises(JournalError, match=r"buffer_bytes: must be >= 0 \(got -1\)"):
        JournalOptions(fsync=FsyncPolicy.NEVER, buffer_bytes=-1)


def test_a_failed_buffered_write_names_the_records_it_lost(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.symlink_to("/dev/full")  # Linux: every write fails with ENOSPC, like a full disk
    journal = Journal(path, options=BUFFERED)
    journal.append(JournalKind.SIGNAL, {"n": 1}, ts=T0)
    journal.append(JournalKind.SIGNAL, {"n": 2}, ts=T0)
    with pytest.raises(JournalError, match=r"write of seq 1\.\.2 failed \(No space left on device\)"):
        journal.sync()
    with pytest.raises(JournalError, match="journal refuses further appends"):
        journal.append(JournalKind.SIGNAL, {"n": 3}, ts=T0)
    journal.close()
