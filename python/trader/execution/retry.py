"""Retries of idempotent gateway calls: exponential backoff with full jitter inside a total time budget."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from trader.errors import TraderError
from trader.execution.errors import GatewayError

__all__ = ["RETRYABLE_CODES", "RetryPolicy", "RetryPolicyError", "retryable"]

RETRYABLE_CODES = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED"})
"""gRPC codes that say "not now" rather than "no": the gateway (or its venue) did not answer in time."""

_NOT_RETRYABLE_REASONS = frozenset({"BREAKER_OPEN"})
"""UNAVAILABLE on purpose: the gateway's breaker fails fast until its cool-down; hammering defeats that."""


class RetryPolicyError(TraderError, ValueError):
    """A retry setting that cannot work (negative budget, no attempt allowed)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a failed idempotent call is tried again.

    Attempt n (0-based) that fails with a retryable status waits a uniform random time in
    [0, min(max_delay, base_delay * 2**n)] ("full jitter": many clients recovering at once spread out
    instead of retrying in lock-step), then tries again, until `max_attempts` or until the next attempt
    could not start within `total_seconds` of the call's start. Each attempt's deadline is
    `attempt_seconds`, cut to what is left of the total.
    """

    total_seconds: float = 10.0
    attempt_seconds: float = 10.0
    base_delay: float = 0.05
    max_delay: float = 1.0
    max_attempts: int = 100

    def __post_init__(self) -> None:
        for name in ("total_seconds", "attempt_seconds", "base_delay", "max_delay"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise RetryPolicyError(
                    f"retry policy {name}: expected a positive number of seconds, got {value!r}"
                )
        if self.max_attempts < 1:
            raise RetryPolicyError(f"retry policy max_attempts: at least 1 (got {self.max_attempts})")

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt `attempt` (0-based): the exponential, capped."""
        # 2**attempt overflows a float past ~1024; the cap is reached long before that.
        exponent = min(attempt, 64)
        return min(self.max_delay, self.base_delay * 2.0**exponent)

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait after failed attempt `attempt`: uniform in [0, ceiling(attempt)]."""
        return rng.uniform(0.0, self.ceiling(attempt))


def retryable(error: GatewayError) -> bool:
    """Whether a failed call may be tried again as it was (for calls that are safe to repeat)."""
    return error.grpc_code in RETRYABLE_CODES and error.reason_code not in _NOT_RETRYABLE_REASONS
