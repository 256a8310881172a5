"""Canonical JSON: one exact spelling per value, refusals for what has none, the documented line format."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer

from trader.errors import JournalError
from trader.journal import GENESIS_HASH, Redactor
from trader.journal.canonical import format_instant, normalize_payload
from trader.journal.record import chain_hash, encode_body, parse_body, seal, split_line
from trader.models import Fill

REDACTOR = Redactor(from_env=False)


class Side(StrEnum):
    BUY = "buy"


class Level(Enum):
    HIGH = 3


class FillModel(BaseModel):
    symbol: str
    qty: Decimal
    at: datetime
    side: Side


def test_values_get_one_exact_spelling() -> None:
    east = timezone(timedelta(hours=5, minutes=30))
    out = normalize_payload(
        {
            "qty": Decimal("1.50"),
            "tiny": Decimal("1E-9"),
            "at": datetime(2024, 3, 1, 20, 0, tzinfo=east),
            "day": date(2024, 3, 1),
            "side": Side.BUY,
            "level": Level.HIGH,
            "nested": {"list": (1, 2.5, None, True)},
            "numpy": [np.float64(0.25), np.int64(7), np.bool_(True)],
            "third": Fraction(1, 3),
        },
        REDACTOR,
    )
    assert out == {
        "qty": "1.50",
        "tiny": "1E-9",
        "at": "2024-03-01T14:30:00.000000Z",
        "day": "2024-03-01",
        "side": "buy",
        "level": 3,
        "nested": {"list": [1, 2.5, None, True]},
        "numpy": [0.25, 7, True],
        "third": "1/3",
    }


def test_pydantic_models_are_dumped_with_exact_decimals() -> None:
    model = FillModel(
        symbol="AAPL", qty=Decimal("0.000000001"), at=datetime(2024, 1, 2, tzinfo=UTC), side="buy"
    )
    assert normalize_payload(model, REDACTOR) == {
        "symbol": "AAPL",
        "qty": "1E-9",
        "at": "2024-01-02T00:00:00.000000Z",
        "side": "buy",
    }
    assert normalize_payload({"fill": model}, REDACTOR)["fill"]["qty"] == "1E-9"


class PricedModel(BaseModel):
    price: Decimal
    hidden: str = Field(default="x", exclude=True)

    @field_serializer("price")
    def _cents(self, price: Decimal) -> str:
        return f"{price:.2f}"


class TotalModel(BaseModel):
    qty: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> Decimal:
        return self.qty * 2


class HiddenModel(BaseModel):
    qty: Decimal
    note: str = Field(default="internal", exclude=True)


class OpenModel(BaseModel):
    model_config = ConfigDict(extra="allow")

    qty: Decimal


def test_models_with_their_own_serialisation_keep_it() -> None:
    # Plain models are read from their fields; each of these must still go through model_dump.
    assert normalize_payload(PricedModel(price=Decimal("1.5")), REDACTOR) == {"price": "1.50"}
    assert normalize_payload(TotalModel(qty=Decimal(2)), REDACTOR) == {"qty": "2", "double": "4"}
    assert normalize_payload(HiddenModel(qty=Decimal(3)), REDACTOR) == {"qty": "3"}  # excluded field
    assert normalize_payload(OpenModel(qty=Decimal(4), venue="x"), REDACTOR) == {"qty": "4", "venue": "x"}


def test_domain_fill_journals_as_its_model_dump() -> None:
    fill = Fill(
        fill_id="f1",
        order_id="o1",
        client_order_id="c1",
        symbol="AAPL",
        side="buy",
        qty=Decimal("1.50"),
        price=Decimal("10"),
        fee=Decimal(0),
        fee_currency="USD",
        timestamp=datetime(2024, 1, 2, tzinfo=UTC),
    )
    expected = normalize_payload(fill.model_dump(mode="python"), REDACTOR)
    assert normalize_payload(fill, REDACTOR) == expected
    assert expected["qty"] == "1.50"
    assert expected["side"] == "buy"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"px": float("nan")}, r"payload\.px: nan is not a finite number"),
        ({"px": [1.0, float("inf")]}, r"payload\.px\[1\]: inf is not a finite number"),
        ({"px": Decimal("NaN")}, r"payload\.px: NaN is not a finite number"),
        ({"rsi": np.float32("nan")}, r"payload\.rsi: nan is not a finite number"),
        ({"at": datetime(2024, 1, 1)}, r"payload\.at: naive datetime"),
        ({"ids": {1, 2}}, r"payload\.ids: sets have no order"),
        ({"raw": b"x"}, r"payload\.raw: cannot journal a bytes"),
        ({"closes": np.ones(3)}, r"payload\.closes: cannot journal a ndarray; pass \.tolist\(\)"),
        ({"m": {1: "a"}}, r"payload\.m: keys must be strings, got int key"),
    ],
)
def test_values_without_one_spelling_are_refused(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(JournalError, match=message):
        normalize_payload(payload, REDACTOR)


def test_a_payload_must_be_a_mapping_or_a_model() -> None:
    with pytest.raises(JournalError, match="expected a mapping or a pydantic model, got list"):
        normalize_payload([1, 2], REDACTOR)


def test_instants_in_any_zone_spell_the_same_utc_moment() -> None:
    moment = datetime(2024, 7, 1, 12, 0, 0, 123, tzinfo=UTC)
    ny = moment.astimezone(timezone(timedelta(hours=-4)))
    assert format_instant(moment) == format_instant(ny) == "2024-07-01T12:00:00.000123Z"


_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150)
@given(
    payload=st.dictionaries(st.text(max_size=8), _json, max_size=4),
    seq=st.integers(min_value=1, max_value=10**12),
    actor=st.none() | st.text(min_size=1, max_size=10),
)
def test_hand_laid_body_equals_sorted_compact_json_and_round_trips(
    payload: dict[str, Any], seq: int, actor: str | None
) -> None:
    clean = normalize_payload(payload, REDACTOR)
    ts = "2024-03-01T14:30:00.000000Z"
    body = encode_body(seq=seq, ts=ts, kind="signal", actor=actor, payload=clean, prev=GENESIS_HASH)
    reference = {
        "actor": actor,
        "kind": "signal",
        "payload": clean,
        "prev": GENESIS_HASH,
        "seq": seq,
        "ts": ts,
    }
    expected = json.dumps(reference, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body == expected.encode("utf-8")
    digest = chain_hash(GENESIS_HASH, body)
    assert digest == hashlib.sha256(GENESIS_HASH.encode() + b"\n" + body).hexdigest()
    line = seal(body, digest)
    assert json.loads(line)["hash"] == digest
    assert split_line(line[:-1]) == (body, digest)
    record = parse_body(body, digest)
    assert (record.seq, record.actor, record.payload) == (seq, actor, clean)
