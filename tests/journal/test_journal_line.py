"""The Rust record line equals the Python one byte for byte; payloads it cannot spell go back to Python."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trader._core import journal_line
from trader.journal import GENESIS_HASH
from trader.journal.record import chain_hash, encode_body, seal

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # control characters, quotes, non-ASCII
_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _python_line(  # noqa: PLR0917 -- the fields of one record
    seq: int, ts: str, kind: str, actor: str | None, payload: dict[str, Any], prev: str
) -> tuple[bytes, str]:
    body = encode_body(seq=seq, ts=ts, kind=kind, actor=actor, payload=payload, prev=prev)
    digest = chain_hash(prev, body)
    return seal(body, digest), digest


@settings(max_examples=300)
@given(
    payload=st.dictionaries(_TEXT, _PLAIN, max_size=6),
    seq=st.integers(1, 2**40),
    actor=st.none() | _TEXT,
    prev=st.sampled_from([GENESIS_HASH, "ab" * 32]),
)
def test_rust_line_equals_python_line(
    payload: dict[str, Any], seq: int, actor: str | None, prev: str
) -> None:
    ts, kind = "2024-03-01T14:30:00.000000Z", "order_intent"
    assert journal_line(seq, ts, kind, actor, payload, prev) == _python_line(
        seq, ts, kind, actor, payload, prev
    )


def test_floats_and_big_ints_fall_back_to_python() -> None:
    args = (1, "2024-03-01T14:30:00.000000Z", "risk_verdict", None)
    assert journal_line(*args, {"atr": 1.5}, GENESIS_HASH) is None
    assert journal_line(*args, {"nested": [{"x": 2**70}]}, GENESIS_HASH) is None
    assert journal_line(*args, {"ok": [1, "a", None, True]}, GENESIS_HASH) is not None
