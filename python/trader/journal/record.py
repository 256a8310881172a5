"""One journal record: its kinds, its exact line format and the SHA-256 that chains it to the one before."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, NamedTuple

from trader.journal.canonical import dumps

GENESIS_HASH = "0" * 64
"""The `prev` of the first record."""

_HASH_HEAD = b',"hash":"'
_HASH_TAIL = b'"}'
HASH_SUFFIX_LEN = len(_HASH_HEAD) + 64 + len(_HASH_TAIL)
"""Every line ends with `,"hash":"<64 hex>"}` (then a newline): 75 bytes."""

_HEX = frozenset(b"0123456789abcdef")
_FIELDS = frozenset({"actor", "kind", "payload", "prev", "seq", "ts"})


class JournalKind(StrEnum):
    """What a record is about."""

    SIGNAL = "signal"
    RISK_VERDICT = "risk_verdict"
    ORDER_INTENT = "order_intent"
    GATEWAY_ACK = "gateway_ack"
    GATEWAY_REJECT = "gateway_reject"
    FILL = "fill"
    BREAKER_TRIP = "breaker_trip"
    BREAKER_RECOVERY = "breaker_recovery"
    MODE_CHANGE = "mode_change"
    MANUAL_ACTION = "manual_action"
    CONFIG_CHANGE = "config_change"
    CHECKPOINT = "checkpoint"
    LLM_CALL = "llm_call"
    RUN_START = "run_start"
    RUN_END = "run_end"


_KINDS = frozenset(k.value for k in JournalKind)


class Record(NamedTuple):
    """A record as written: `hash` = SHA-256 of `prev`, a newline, and the line's body bytes."""

    seq: int
    ts: str
    kind: JournalKind
    actor: str | None
    payload: dict[str, Any]
    prev: str
    hash: str


class RecordFormatError(ValueError):
    """A line that is not a well-formed journal record; the message says which part is wrong."""


def chain_hash(prev: str, body: bytes) -> str:
    """SHA-256 hex of `prev` (64 hex chars), one newline byte, then the body bytes."""
    return hashlib.sha256(b"%b\n%b" % (prev.encode("ascii"), body)).hexdigest()


def encode_body(
    *, seq: int, ts: str, kind: str, actor: str | None, payload: dict[str, Any], prev: str
) -> bytes:
    """The canonical JSON of a record without its hash (normalised payload expected).

    Equal to `dumps` of the whole record; the fixed outer keys are laid out by hand (already in
    sorted order) because this runs on every append. `ts`, `kind` and `prev` are plain ASCII.
    """
    who = "null" if actor is None else dumps(actor)
    text = (
        f'{{"actor":{who},"kind":"{kind}","payload":{dumps(payload)},'
        f'"prev":"{prev}","seq":{seq:d},"ts":"{ts}"}}'
    )
    return text.encode("utf-8")


def seal(body: bytes, record_hash: str) -> bytes:
    """The line on disk: the body with `,"hash":"..."` spliced in before its closing brace, and a newline."""
    return b"".join((body[:-1], _HASH_HEAD, record_hash.encode("ascii"), _HASH_TAIL, b"\n"))


def split_line(line: bytes) -> tuple[bytes, str]:
    """Body bytes and stated hash of a line (without its newline); the inverse of `seal`."""
    if len(line) <= HASH_SUFFIX_LEN or not line.endswith(_HASH_TAIL):
        raise RecordFormatError('line does not end with ,"hash":"<64 hex>"}')
    head = len(line) - HASH_SUFFIX_LEN
    stated = line[head + len(_HASH_HEAD) : -len(_HASH_TAIL)]
    if line[head : head + len(_HASH_HEAD)] != _HASH_HEAD or not _HEX.issuperset(stated):
        raise RecordFormatError('line does not end with ,"hash":"<64 hex>"}')
    return line[:head] + b"}", stated.decode("ascii")


def parse_body(body: bytes, record_hash: str) -> Record:
    """Decode and shape-check a body; raises RecordFormatError naming the bad field."""
    try:
        fields = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RecordFormatError(f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(fields, dict) or fields.keys() != _FIELDS:
        raise RecordFormatError(f"fields must be exactly {sorted(_FIELDS)} plus hash")
    seq, ts, kind, actor = fields["seq"], fields["ts"], fields["kind"], fields["actor"]
    payload, prev = fields["payload"], fields["prev"]
    if type(seq) is not int or seq < 1:
        raise RecordFormatError("field 'seq' must be a positive integer")
    if not isinstance(ts, str):
        raise RecordFormatError("field 'ts' must be a string")
    if kind not in _KINDS:
        raise RecordFormatError("field 'kind' is not a journal kind")
    if actor is not None and not isinstance(actor, str):
        raise RecordFormatError("field 'actor' must be a string or null")
    if not isinstance(payload, dict):
        raise RecordFormatError("field 'payload' must be an object")
    if not isinstance(prev, str) or len(prev) != 64 or not _HEX.issuperset(prev.encode("ascii", "replace")):
        raise RecordFormatError("field 'prev' must be 64 lowercase hex characters")
    return Record(seq, ts, JournalKind(kind), actor, payload, prev, record_hash)
