"""The writer: chaining, kinds, actors, close, resume, rotation, checkpoints, fsync policies, determinism."""

from __future__ import annotations

import gc
import json
import os
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest
from journal_helpers import KEY, SIGNER, T0, lines_of, payload, write_journal

from trader.errors import JournalError
from trader.journal import (
    GENESIS_HASH,
    FsyncPolicy,
    HmacSigner,
    Journal,
    JournalKind,
    JournalOptions,
    load_key,
    read_records,
    verify_journal,
)
from trader.journal.record import chain_hash

NEVER = JournalOptions(fsync=FsyncPolicy.NEVER)


def test_records_chain_from_genesis_and_match_the_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path, options=NEVER) as journal:
        first = journal.append("signal", {"symbol": "AAPL"}, ts=T0)
        second = journal.append(JournalKind.FILL, payload(1), ts=T0)
    assert (first.seq, first.prev, second.seq, second.prev) == (1, GENESIS_HASH, 2, first.hash)
    lines = lines_of(path)
    assert [json.loads(line)["hash"] for line in lines] == [first.hash, second.hash]
    body = lines[1][: -len(',"hash":"') - 64 - 3] + b"}"
    assert chain_hash(first.hash, body) == second.hash
    assert json.loads(lines[1])["payload"]["qty"] == "2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_kinds_actors_and_closing_are_enforced(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl", options=NEVER)
    with pytest.raises(JournalError, match="manual_action: actor is required"):
        journal.append("manual_action", {"what": "flatten"})
    with pytest.raises(JournalError, match=r"unknown journal kind 'trade' \(one of signal, "):
        journal.append("trade", {})
    with pytest.raises(JournalError, match="written by the journal itself"):
        journal.append("checkpoint", {})
    with pytest.raises(JournalError, match="actor: must be a non-empty name"):
        journal.append("signal", {}, actor=" ")
    with pytest.raises(JournalError, match="ts: naive datetime"):
        journal.append("signal", {}, ts=datetime(2024, 1, 1))
    record = journal.append("manual_action", {"what": "flatten"}, actor="alice", ts=T0)
    assert record.actor == "alice"
    journal.close()
    journal.close()
    with pytest.raises(JournalError, match="journal is closed"):
        journal.append("signal", {}, ts=T0)
    assert verify_journal(tmp_path / "journal.jsonl").records == 1


def test_reopening_continues_the_sequence_and_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    head = write_journal(path, 6, signer=None)
    with Journal(path, options=NEVER) as journal:
        assert journal.head == head
        record = journal.append("run_start", {}, ts=T0)
    assert (record.seq, record.prev) == (head[0] + 1, head[1])
    report = verify_journal(path)
    assert (report.ok, report.records) == (True, 7)


def test_rotation_by_records_continues_the_chain_across_files(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    options = JournalOptions(fsync=FsyncPolicy.BATCH, rotate_records=4, checkpoint_every=3)
    write_journal(folder, 9, options=options)
    write_journal(folder, 5, options=options, start=9)  # resumed writer keeps rotating
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == [f"journal-{n:06d}.jsonl" for n in range(1, len(files) + 1)]
    assert all(len(lines_of(f)) <= 4 for f in files)
    last_of_first = json.loads(lines_of(files[0])[-1])
    first_of_second = json.loads(lines_of(files[1])[0])
    assert first_of_second["prev"] == last_of_first["hash"]
    assert first_of_second["seq"] == last_of_first["seq"] + 1
    report = verify_journal(folder, signer=SIGNER)
    assert report.ok, report.problem
    assert report.records == sum(len(lines_of(f)) for f in files)
    assert report.checkpoints == report.signatures_checked >= 5


def test_rotation_by_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    write_journal(folder, 20, signer=None, options=JournalOptions(fsync=FsyncPolicy.NEVER, rotate_bytes=1000))
    files = sorted(folder.iterdir())
    assert len(files) > 3
    # A file is only rotated once it reached the limit, and never holds an extra record past it.
    assert all(f.stat().st_size >= 1000 for f in files[:-1])
    assert all(f.stat().st_size - len(lines_of(f)[-1]) < 1000 for f in files)
    assert verify_journal(folder).records == 20


def test_rotation_needs_a_directory_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="rotation needs a directory journal"):
        Journal(tmp_path / "journal.jsonl", options=JournalOptions(rotate_records=10))


def test_options_are_validated() -> None:
    with pytest.raises(JournalError, match=r"journal option batch_records: must be > 0 \(got 0\)"):
        JournalOptions(batch_records=0)


def test_checkpoints_every_n_records_and_on_close(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    options = JournalOptions(fsync=FsyncPolicy.NEVER, checkpoint_every=3)
    with Journal(path, options=options, signer=SIGNER) as journal:
        for i in range(7):
            journal.append("signal", {"i": i}, ts=T0)
    kinds = [json.loads(line)["kind"] for line in lines_of(path)]
    assert [i + 1 for i, k in enumerate(kinds) if k == "checkpoint"] == [4, 8, 10]
    last = json.loads(lines_of(path)[-1])
    assert last["payload"]["head_seq"] == 9
    assert last["ts"] == json.loads(lines_of(path)[-2])["ts"]  # stamped like the record it seals
    # Reopening and closing without new records adds no checkpoint.
    Journal(path, options=options, signer=SIGNER).close()
    assert len(lines_of(path)) == 10


@pytest.mark.parametrize("policy", list(FsyncPolicy))
def test_every_fsync_policy_writes_the_same_bytes_deterministically(
    tmp_path: Path, policy: FsyncPolicy
) -> None:
    options = JournalOptions(fsync=policy, batch_records=3, batch_ms=1, checkpoint_every=4)
    write_journal(tmp_path / "a.jsonl", 12, options=options)
    write_journal(
        tmp_path / "b.jsonl", 12, options=JournalOptions(fsync=FsyncPolicy.NEVER, checkpoint_every=4)
    )
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_sync_on_demand_and_the_group_commit_thread_stops_on_close(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl", options=JournalOptions(batch_records=2, batch_ms=5))
    for i in range(5):
        journal.append("signal", {"i": i}, ts=T0)
    journal.sync()
    journal.close()
    assert journal._commit is not None
    assert not journal._commit._thread.is_alive()
    assert verify_journal(tmp_path / "journal.jsonl").records == 5


def test_the_writer_refuses_to_continue_a_tampered_last_record(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write_journal(path, 3, signer=None)
    lines = lines_of(path)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1].replace(b'"seq":3', b'"seq":4'))
    with pytest.raises(JournalError, match=r"last record \(seq 4\) fails its hash"):
        Journal(path)


def test_key_file_is_created_private_and_env_wins(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "journal.key"
    created = load_key(key_file, create=True, environ={})
    assert created is not None
    assert len(created) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key(key_file, environ={}) == created
    assert load_key(key_file, environ={"TRADER_JOURNAL_KEY": KEY.decode()}) == KEY
    assert load_key(None, environ={}) is None
    os.chmod(key_file, 0o644)
    with pytest.raises(JournalError, match=r"readable by others \(mode 644\); chmod 600"):
        load_key(key_file, environ={})
    with pytest.raises(JournalError, match="journal key file not found"):
        load_key(tmp_path / "missing.key", environ={})
    with pytest.raises(JournalError, match="journal key too short: 5 bytes"):
        HmacSigner(b"short")
    assert "test-journal-key" not in repr(SIGNER)


def test_appends_from_several_threads_stay_one_contiguous_chain(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path, options=JournalOptions(batch_records=7, batch_ms=1), signer=SIGNER) as journal:
        workers = [
            threading.Thread(
                target=lambda n=n: [journal.append("signal", {"w": n, "i": i}) for i in range(200)]
            )
            for n in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    report = verify_journal(path, signer=SIGNER)
    assert report.ok, report.problem
    assert report.records - report.checkpoints == 800


def test_a_journal_dropped_without_close_does_not_keep_its_sync_thread(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl", options=JournalOptions(batch_ms=1))
    journal.append("signal", {}, ts=T0)
    assert journal._commit is not None
    thread = journal._commit._thread
    os.close(journal._fd)  # what close() would release; the point here is the thread
    del journal
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_failed_write_closes_the_journal_to_further_appends(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.symlink_to("/dev/full")  # Linux: every write fails with ENOSPC, like a full disk
    journal = Journal(path, options=NEVER)
    with pytest.raises(
        JournalError, match=r"write of seq 1 failed \(No space left on device\).*trader audit repair"
    ):
        journal.append("signal", {}, ts=T0)
    with pytest.raises(JournalError, match="journal refuses further appends"):
        journal.append("signal", {}, ts=T0)
    journal.close()


def test_read_records_returns_what_was_appended_and_stops_at_tampering(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path, options=NEVER, signer=SIGNER) as journal:
        written = [journal.append("fill", payload(i), ts=T0) for i in range(3)]
    records = list(read_records(path, signer=SIGNER))
    assert records[:3] == written
    assert [r.kind for r in records] == ["fill", "fill", "fill", "checkpoint"]
    lines = lines_of(path)
    path.write_bytes(b"".join([lines[0], lines[2], lines[1], lines[3]]))
    seen = []
    with pytest.raises(JournalError, match="deleted at seq 2"):
        seen.extend(read_records(path))
    assert seen == written[:1]
