"""The order calls every gateway core answers (embedded SimGateway, remote, emulating), as one type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypedDict, Unpack, cast

if TYPE_CHECKING:
    from trader._core import SimGateway

__all__ = ["CoreOrder", "GatewayCore", "OrderOptions", "standing_in_for_sim"]


class OrderOptions(TypedDict, total=False):
    """A submit's optional fields, keyword-only (each core's defaults: none, `day`, no strategy)."""

    limit_price: Decimal | None
    stop_price: Decimal | None
    trail_price: Decimal | None
    trail_percent: Decimal | None
    time_in_force: str
    strategy: str | None


class CoreOrder(Protocol):
    """What callers read of an order a core answers (`trader._core.GatewayOrder`, or the remote and the
    emulated `OrderView`): decimal text."""

    @property
    def client_order_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def quantity(self) -> str: ...
    @property
    def filled_quantity(self) -> str: ...
    @property
    def stop_price(self) -> str | None: ...


class GatewayCore(Protocol):
    """The order calls of `EmbeddedGateway.core`: what risk, its stops and the daemon's controller send.

    `trader._core.SimGateway` (in process), `RemoteCore` (a `trader-gateway` over gRPC) and `EmulatingCore`
    (stops held in front of a venue without stop orders) all answer them.
    """

    def submit(
        self,
        client_order_id: str,
        symbol: str,
        side: str,
        qty: Decimal | str,
        order_type: str = "market",
        /,
        **options: Unpack[OrderOptions],
    ) -> CoreOrder: ...
    def cancel(self, client_order_id: str, /) -> CoreOrder: ...
    def order(self, client_order_id: str, /) -> CoreOrder | None: ...
    def orders(self) -> Sequence[CoreOrder]: ...
    def positions(self) -> Mapping[str, str]: ...


def standing_in_for_sim(core: GatewayCore) -> SimGateway:
    """`core` as `EmbeddedGateway.core`, whose methods only make `GatewayCore` calls on it for orders, so a
    gateway built on another core inherits every one of them unchanged."""
    return cast("SimGateway", core)
