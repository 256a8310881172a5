"""Order gateway errors as exceptions: one class per kind of failure; limit rejects carry their code."""

from __future__ import annotations

from trader.errors import TraderError


class GatewayError(TraderError):
    """The order gateway refused or could not carry out a request; the message says which order and why."""

    def __init__(self, message: str, reason_code: str | None = None, *, grpc_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason_code = reason_code
        # The gRPC status code name (e.g. `FAILED_PRECONDITION`) when the error came from a remote gateway.
        self.grpc_code = grpc_code


class InvalidOrderError(GatewayError, ValueError):
    """An order or argument that can never be valid (bad decimal or type, off tick or lot, below minimum)."""


class AlreadyExistsError(GatewayError):
    """The client order id is taken by an order with different content (gRPC ALREADY_EXISTS)."""


class LimitRejectedError(GatewayError):
    """A hard pre-trade limit refused the order; `reason_code` is machine-readable (e.g. `KILL_SWITCH`)."""

    reason_code: str


class OrderNotFoundError(GatewayError):
    """No order has this client order id."""


class OrderNotOpenError(GatewayError):
    """The order is in a status where the request makes no sense (e.g. cancel a filled order)."""


class VenueRejectedError(GatewayError):
    """The venue refused the request for good."""


class VenueUnavailableError(GatewayError):
    """The venue could not be reached after all retries; the order stays in flight and is resolved later."""


class BreakerOpenError(GatewayError):
    """The venue's circuit breaker is open: orders fail fast until it is healthy again."""


class RateLimitedError(GatewayError):
    """A venue or strategy rate limit is exhausted."""


class GatewayHaltedError(GatewayError):
    """Gateway state does not reconcile with the venue (or it was closed): no new risk until resolved."""


class GatewayJournalError(GatewayError):
    """The gateway's journal cannot be opened, written or replayed."""


__all__ = [
    "AlreadyExistsError",
    "BreakerOpenError",
    "GatewayError",
    "GatewayHaltedError",
    "GatewayJournalError",
    "InvalidOrderError",
    "LimitRejectedError",
    "OrderNotFoundError",
    "OrderNotOpenError",
    "RateLimitedError",
    "VenueRejectedError",
    "VenueUnavailableError",
]
