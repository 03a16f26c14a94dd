"""One attempt at a scheduled sync, and when the next one may follow a failed one.

A sync is handed to a ``submit`` callable: it syncs the sources named and returns the exit code
`gridhub sync` would (0 succeeded, 2 a source refused by its data contract, 1 failed), or raises.
An exception counts as exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from connectors.config import ScheduleSpec
from connectors.errors import ConnectorError
from graph_schema import SchemaError
from hub.errors import HubError

Submit = Callable[[list[str]], int]
Outcome = Literal["succeeded", "refused", "failed"]

SUCCEEDED, FAILED, REFUSED = 0, 1, 2
# The longest wait before a retry, however many attempts failed before.
MAX_RETRY_DELAY_S = 3600.0


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` attempts may follow a failed one; the n-th waits ``delay_s × 2ⁿ⁻¹`` seconds
    (60, 120, 240, … for 60), at most ``max_delay_s``."""

    retries: int = 2
    delay_s: float = 60.0
    max_delay_s: float = MAX_RETRY_DELAY_S

    @classmethod
    def of(cls, spec: ScheduleSpec) -> RetryPolicy:
        return cls(retries=spec.retries, delay_s=spec.retry_delay_s)

    def retries_after(self, attempt: int) -> bool:
        """Whether another attempt follows when attempt number ``attempt`` (from 1) failed."""
        return attempt <= self.retries

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (from 1) before the next."""
        return float(min(self.delay_s * 2 ** (attempt - 1), self.max_delay_s))


@dataclass(frozen=True)
class Attempt:
    """What one call of ``submit`` gave: its exit code, and why it failed when it raised."""

    exit_code: int
    error: str | None = None

    @property
    def outcome(self) -> Outcome:
        if self.exit_code == SUCCEEDED:
            return "succeeded"
        return "refused" if self.exit_code == REFUSED else "failed"


def describe(exc: BaseException) -> str:
    """An exception as the schedule's log shows it. The hub's own errors say what and where (a
    file, a column, a store) and are shown whole; of any other only the type is: its message may
    hold values read from a row. The run's report (`gridhub runs show RUN`) keeps the message."""
    if isinstance(exc, HubError | ConnectorError | SchemaError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__} (the run's report has the message: gridhub runs)"


def attempt(submit: Submit, sources: Sequence[str]) -> Attempt:
    """Call ``submit`` once; an exception is exit code 1, and an exit code it cannot have
    (a process killed by a signal: negative) is 1 too."""
    try:
        code = submit(list(sources))
    except Exception as exc:
        return Attempt(FAILED, describe(exc))
    if code in (SUCCEEDED, REFUSED):
        return Attempt(code)
    return Attempt(FAILED, f"exit code {code}")
