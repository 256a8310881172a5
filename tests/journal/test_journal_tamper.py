"""Hypothesis tamper tests: every flip, deletion, insertion, reorder or truncation is caught at the right seq.

"The right seq" is the chain position where the journal stops being trustworthy: line i (0-based) of
an intact journal holds seq i + 1, so a change at line i must be reported at seq i + 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journal_helpers import SIGNER, lines_of, write_journal

from trader.journal import ProblemKind, verify_journal
from trader.journal.record import chain_hash, encode_body, seal

RECORDS = 24  # plus a checkpoint every 5 and one on close
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def intact(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    path = tmp_path_factory.mktemp("intact") / "journal.jsonl"
    write_journal(path, RECORDS)
    return lines_of(path)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tampered") / "journal.jsonl"


def check(scratch: Path, lines: list[bytes], intact: list[bytes], expected_seq: int) -> ProblemKind:
    """Write the tampered lines, verify with the original head as a published anchor, return the kind."""
    scratch.write_bytes(b"".join(lines))
    head = json.loads(intact[-1])
    report = verify_journal(scratch, signer=SIGNER, anchors={head["seq"]: head["hash"]})
    assert report.problem is not None, "tampering went unnoticed"
    assert report.problem.seq == expected_seq, report.problem.render()
    return report.problem.kind


def test_the_untouched_journal_verifies(intact: list[bytes], scratch: Path) -> None:
    scratch.write_bytes(b"".join(intact))
    report = verify_journal(scratch, signer=SIGNER)
    assert report.ok, report.problem
    assert report.records == len(intact) > RECORDS
    assert report.signatures_checked == report.checkpoints == len(intact) - RECORDS


@EXAMPLES
@given(data=st.data())
def test_a_flipped_bit_is_caught_at_its_record(
    intact: list[bytes], scratch: Path, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(intact) - 1), label="line")
    j = data.draw(st.integers(0, len(intact[i]) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    line = bytearray(intact[i])
    line[j] ^= 1 << bit
    kind = check(scratch, [*intact[:i], bytes(line), *intact[i + 1 :]], intact, i + 1)
    assert kind in {ProblemKind.MODIFIED, ProblemKind.MALFORMED, ProblemKind.TORN_TAIL}


@EXAMPLES
@given(data=st.data())
def test_a_deleted_record_is_caught_at_its_seq(
    intact: list[bytes], scratch: Path, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(intact) - 1), label="line")
    kind = check(scratch, [*intact[:i], *intact[i + 1 :]], intact, i + 1)
    last = i == len(intact) - 1
    assert kind is (ProblemKind.TRUNCATED if last else ProblemKind.DELETED)


@EXAMPLES
@given(data=st.data())
def test_an_inserted_copy_is_caught(intact: list[bytes], scratch: Path, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(intact)), label="position")
    j = data.draw(st.integers(0, len(intact) - 1), label="copy of line")
    # A copy of line i placed just before it reads as line i, then line i again one seq later.
    expected = i + 2 if j == i else i + 1
    check(scratch, [*intact[:i], intact[j], *intact[i:]], intact, expected)


@EXAMPLES
@given(data=st.data())
def test_inserted_garbage_is_caught(intact: list[bytes], scratch: Path, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(intact)), label="position")
    junk = data.draw(st.binary(max_size=80).filter(lambda b: b"\n" not in b), label="junk") + b"\n"
    kind = check(scratch, [*intact[:i], junk, *intact[i:]], intact, i + 1)
    assert kind is (ProblemKind.TORN_TAIL if i == len(intact) else ProblemKind.MALFORMED)


@EXAMPLES
@given(data=st.data())
def test_a_forged_record_with_a_valid_hash_is_caught(
    intact: list[bytes], scratch: Path, data: st.DataObject
) -> None:
    # The forger knows the format: right seq, right prev, correct own hash. The original line i then
    # repeats its seq, so the chain still breaks one record later.
    i = data.draw(st.integers(0, len(intact) - 1), label="position")
    prev = json.loads(intact[i])["prev"]
    body = encode_body(
        seq=i + 1, ts="2024-03-01T00:00:00.000000Z", kind="fill", actor=None, payload={}, prev=prev
    )
    forged = seal(body, chain_hash(prev, body))
    # Forged over the published head, it is caught at once by the anchor.
    last = i == len(intact) - 1
    kind = check(scratch, [*intact[:i], forged, *intact[i:]], intact, i + 1 if last else i + 2)
    assert kind is (ProblemKind.ANCHOR_MISMATCH if last else ProblemKind.INSERTED_OR_REORDERED)


@EXAMPLES
@given(data=st.data())
def test_reordered_records_are_caught_at_the_first_moved_seq(
    intact: list[bytes], scratch: Path, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(intact) - 2), label="first")
    k = data.draw(st.integers(i + 1, len(intact) - 1), label="second")
    swapped = list(intact)
    swapped[i], swapped[k] = swapped[k], swapped[i]
    check(scratch, swapped, intact, i + 1)
    moved = list(intact)
    moved.insert(k, moved.pop(i))
    check(scratch, moved, intact, i + 1)


@EXAMPLES
@given(data=st.data())
def test_a_truncation_is_caught_at_the_first_missing_seq(
    intact: list[bytes], scratch: Path, data: st.DataObject
) -> None:
    blob = b"".join(intact)
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut at byte")
    kept = blob[:cut]
    complete = kept.count(b"\n")
    scratch.write_bytes(kept)
    kind = check(scratch, [kept], intact, complete + 1)
    mid_line = not kept.endswith(b"\n") and cut > 0
    assert kind is (ProblemKind.TORN_TAIL if mid_line else ProblemKind.TRUNCATED)


def _rechain(lines: list[bytes], change_at: int, keep_checkpoints: bool) -> list[bytes]:
    """What a forger without the key can do: change a record and recompute every hash after it."""
    out: list[bytes] = []
    prev = "0" * 64
    seq = 0
    for index, line in enumerate(lines):
        fields = json.loads(line)
        if fields["kind"] == "checkpoint" and not keep_checkpoints:
            continue
        seq += 1
        payload = fields["payload"]
        if index == change_at:
            payload = {**payload, "qty": "1000"}
        if fields["kind"] == "checkpoint":
            payload = {**payload, "head_seq": seq - 1, "head_hash": prev}
        body = encode_body(
            seq=seq, ts=fields["ts"], kind=fields["kind"], actor=fields["actor"], payload=payload, prev=prev
        )
        prev = chain_hash(prev, body)
        out.append(seal(body, prev))
    return out


def test_a_rewritten_chain_passes_alone_but_fails_against_the_key_or_a_published_head(
    intact: list[bytes], scratch: Path
) -> None:
    rewritten = _rechain(intact, change_at=2, keep_checkpoints=True)
    scratch.write_bytes(b"".join(rewritten))
    assert verify_journal(scratch).ok  # the chain alone cannot tell: that is what keys and anchors are for
    by_key = verify_journal(scratch, signer=SIGNER).problem
    assert by_key is not None
    assert (by_key.kind, by_key.seq) == (ProblemKind.CHECKPOINT_FORGED, 6)
    head = json.loads(intact[-1])
    by_anchor = verify_journal(scratch, anchors={head["seq"]: head["hash"]}).problem
    assert by_anchor is not None
    assert (by_anchor.kind, by_anchor.seq) == (ProblemKind.ANCHOR_MISMATCH, head["seq"])


def test_stripping_every_checkpoint_leaves_an_unsigned_journal(intact: list[bytes], scratch: Path) -> None:
    scratch.write_bytes(b"".join(_rechain(intact, change_at=2, keep_checkpoints=False)))
    problem = verify_journal(scratch, signer=SIGNER).problem
    assert problem is not None
    assert problem.kind is ProblemKind.UNSIGNED


def test_a_deleted_rotated_file_is_caught_at_its_first_seq(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    from trader.journal import FsyncPolicy, JournalOptions

    write_journal(folder, 20, options=JournalOptions(fsync=FsyncPolicy.NEVER, rotate_records=6))
    files = sorted(folder.iterdir())
    first_missing = json.loads(lines_of(files[1])[0])["seq"]
    files[1].unlink()
    problem = verify_journal(folder).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (ProblemKind.DELETED, first_missing)
    assert problem.file == files[2]
