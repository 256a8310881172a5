"""Settings of the embedded gateway: instruments, hard limits, fee models, simulator; exact Decimals."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal


def _text(value: Decimal) -> str:
    # str() would write 1E+3 or 1E-7; the gateway's parser takes plain digits only.
    return format(value, "f")


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else _text(value)


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """What the venue accepts for one symbol: price tick, quantity lot, minimums, fractional or not."""

    symbol: str
    tick_size: Decimal = Decimal("0.01")
    lot_size: Decimal = Decimal(1)
    min_quantity: Decimal = Decimal(0)
    min_notional: Decimal = Decimal(0)
    fractionable: bool = False
    asset_class: Literal["us_equity", "crypto"] = "us_equity"
    sub_dollar_tick_size: Decimal | None = None

    def to_json_obj(self) -> dict[str, object]:
        """The gateway's JSON form (decimals as text)."""
        return {
            "symbol": self.symbol,
            "asset_class": self.asset_class,
            "tick_size": _text(self.tick_size),
            "sub_dollar_tick_size": _opt(self.sub_dollar_tick_size),
            "lot_size": _text(self.lot_size),
            "min_quantity": _text(self.min_quantity),
            "min_notional": _text(self.min_notional),
            "fractionable": self.fractionable,
        }


@dataclass(frozen=True, slots=True)
class GatewayLimits:
    """Hard pre-trade limits, each off when None; a rejection raises `LimitRejectedError` with its code."""

    kill_switch: bool = False
    max_order_notional: Decimal | None = None
    max_order_quantity: Decimal | None = None
    max_open_orders: int | None = None
    price_collar_bps: int | None = None
    allowed_symbols: frozenset[str] | None = None

    def to_json(self) -> str:
        """The gateway's JSON form (decimals as text)."""
        return json.dumps(
            {
                "kill_switch": self.kill_switch,
                "max_order_notional": _opt(self.max_order_notional),
                "max_order_quantity": _opt(self.max_order_quantity),
                "max_open_orders": self.max_open_orders,
                "price_collar_bps": self.price_collar_bps,
                "allowed_symbols": None if self.allowed_symbols is None else sorted(self.allowed_symbols),
            }
        )


@dataclass(frozen=True, slots=True)
class ZeroFee:
    """No commission (Alpaca US equities)."""

    def to_json_obj(self) -> dict[str, object]:
        """The gateway's JSON form."""
        return {"model": "zero"}


@dataclass(frozen=True, slots=True)
class PerShareFee:
    """A price per share with a minimum per fill (rounded up)."""

    per_share: Decimal
    minimum: Decimal = Decimal(0)

    def to_json_obj(self) -> dict[str, object]:
        """The gateway's JSON form."""
        return {"model": "per_share", "per_share": _text(self.per_share), "minimum": _text(self.minimum)}


@dataclass(frozen=True, slots=True)
class BpsFee:
    """Basis points of the fill notional, in cash (rounded up)."""

    bps: int

    def to_json_obj(self) -> dict[str, object]:
        """The gateway's JSON form."""
        return {"model": "bps", "bps": self.bps}


@dataclass(frozen=True, slots=True)
class CryptoFee:
    """Alpaca crypto maker/taker rates: a buyer pays in the coin received, a seller in cash."""

    maker_bps: int
    taker_bps: int

    def to_json_obj(self) -> dict[str, object]:
        """The gateway's JSON form."""
        return {"model": "crypto_maker_taker", "maker_bps": self.maker_bps, "taker_bps": self.taker_bps}


FeeModel = ZeroFee | PerShareFee | BpsFee | CryptoFee


@dataclass(frozen=True, slots=True)
class SimFaults:
    """Faults the SimVenue injects, each in parts per thousand of requests, drawn from a seeded generator."""

    seed: int = 0
    reject: int = 0
    """A submit is refused outright (status `rejected`)."""
    timeout_before: int = 0
    """The request times out before the venue sees it."""
    timeout_after: int = 0
    """The venue takes the request but the answer is lost (a timeout to the caller)."""
    disconnect: int = 0
    duplicate_ack: int = 0
    late_events: int = 0

    def to_json_obj(self) -> dict[str, object]:
        """The gateway's JSON form."""
        return {
            "seed": self.seed,
            "reject": self.reject,
            "timeout_before": self.timeout_before,
            "timeout_after": self.timeout_after,
            "disconnect": self.disconnect,
            "duplicate_ack": self.duplicate_ack,
            "late_events": self.late_events,
        }


@dataclass(frozen=True, slots=True)
class SimSettings:
    """The simulated venue: slippage, fillable share of bar volume, fees, latency in bars, faults."""

    slippage_bps: int = 0
    volume_share: Decimal | None = None
    quantity_increment: Decimal = Decimal(1)
    fees: FeeModel = field(default_factory=ZeroFee)
    latency_bars: int = 0
    faults: SimFaults | None = None
    """Fault injection (chaos runs); None: a venue that never fails."""

    def to_json(self) -> str:
        """The gateway's JSON form (decimals as text); `faults` only when set."""
        settings: dict[str, object] = {
            "slippage_bps": self.slippage_bps,
            "volume_share": _opt(self.volume_share),
            "quantity_increment": _text(self.quantity_increment),
            "fees": self.fees.to_json_obj(),
            "latency_bars": self.latency_bars,
        }
        if self.faults is not None:
            settings["faults"] = self.faults.to_json_obj()
        return json.dumps(settings)


def instruments_json(instruments: Iterable[InstrumentSpec]) -> str:
    """The gateway's JSON list of instrument specs."""
    return json.dumps([spec.to_json_obj() for spec in instruments])
