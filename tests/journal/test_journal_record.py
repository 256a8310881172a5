"""`journal_record` (raw payload normalised in Rust) equals the Python encoder, byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trader._core import journal_record, utc_instant_text
from trader.journal import GENESIS_HASH
from trader.journal.canonical import format_instant, normalize_payload
from trader.journal.record import chain_hash, encode_body, seal
from trader.journal.redact import Redactor
from trader.models import Side

_SECRET = "hunter2-correct-horse"
_TS, _KIND = "2024-03-01T14:30:00.000000Z", "fill"


class _Level(IntEnum):
    LOW = 1


class _Colour(Enum):
    RED = "red"


def _redactor() -> Redactor:
    return Redactor([_SECRET], from_env=False)


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=10) | st.sampled_from(
    [_SECRET, f"at {_SECRET}!", "Bearer abcdefghijkl", "sk-" + "a" * 20, "ema_cross-SYN-12"]
)
_KEY = _TEXT | st.sampled_from(["password", "api_key", "token", "qty", "prompt_tokens"])
_UTC_INSTANT = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
# What Rust spells itself: every kind of value an engine payload holds.
_PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | _TEXT
    | st.decimals(allow_nan=False, allow_infinity=False, places=None)
    | _UTC_INSTANT
    | st.sampled_from([Side.BUY, Side.SELL, _Level.LOW, _Colour.RED]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_KEY, inner, max_size=3)
    ),
    max_leaves=10,
)
# What it leaves to Python (which spells it, or refuses it with the field named).
_OTHER = st.one_of(
    st.floats(),
    st.integers(min_value=2**63),
    st.sampled_from([Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN")]),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=2)))),
    st.datetimes(),
    st.sets(st.integers(), max_size=2),
)


def _python(payload: dict[str, Any], seq: int, prev: str) -> tuple[bytes, str, dict[str, Any]]:
    data = normalize_payload(payload, _redactor())
    body = encode_body(seq=seq, ts=_TS, kind=_KIND, actor=None, payload=data, prev=prev)
    digest = chain_hash(prev, body)
    return seal(body, digest), digest, data


@settings(max_examples=200)
@given(
    payload=st.dictionaries(_KEY, _PLAIN, max_size=6),
    seq=st.integers(1, 2**40),
    prev=st.sampled_from([GENESIS_HASH, "ab" * 32]),
)
def test_rust_record_equals_the_python_normaliser_and_encoder(
    payload: dict[str, Any], seq: int, prev: str
) -> None:
    built = journal_record(seq, _TS, _KIND, None, payload, prev, _redactor())
    assert built is not None
    line, digest, data = built
    expected = _python(payload, seq, prev)
    assert (line, digest) == expected[:2]
    assert data == expected[2]
    assert list(data) == list(expected[2])  # the raw payload's key order, as Python keeps it


@settings(max_examples=150)
@given(payload=st.dictionaries(_KEY, _PLAIN, max_size=3), key=_KEY, other=_OTHER)
def test_values_rust_does_not_spell_go_back_to_python(payload: dict[str, Any], key: str, other: Any) -> None:
    payload = {**payload, key: [other]}
    if _redactor().secret_name(key):
        return  # a secret-named field is masked whatever it holds
    assert journal_record(1, _TS, _KIND, None, payload, GENESIS_HASH, _redactor()) is None


def test_secret_fields_and_strings_are_masked_as_python_masks_them() -> None:
    payload = {"api_key": 1.5, "note": f"key {_SECRET} leaked", "nested": {"password": "x"}}
    built = journal_record(3, _TS, _KIND, "bob", payload, GENESIS_HASH, _redactor())
    assert built is not None
    assert built[2] == {"api_key": "***", "note": "key *** leaked", "nested": {"password": "***"}}
    assert _SECRET.encode() not in built[0]


@given(_UTC_INSTANT)
def test_instants_are_spelled_as_format_instant_spells_them(moment: datetime) -> None:
    assert utc_instant_text(moment) == moment.isoformat(timespec="microseconds")[:-6] + "Z"
    assert format_instant(moment) == utc_instant_text(moment)


def test_instants_in_other_zones_are_left_to_python() -> None:
    moment = datetime(2024, 3, 1, 16, 30, tzinfo=timezone(timedelta(hours=2)))
    assert utc_instant_text(moment) is None
    assert utc_instant_text(moment.replace(tzinfo=None)) is None
    assert format_instant(moment) == "2024-03-01T14:30:00.000000Z"
