"""Graph store errors, each naming the store (URI or path) it is about."""

from __future__ import annotations

from connectors.secrets import redact_url
from hub.errors import HubError


class StoreError(HubError):
    """A graph store operation failed."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened; stops the run."""

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = redact_url(uri)
        # Drivers quote the URI they were given, password included: masked in both.
        super().__init__(f"graph store {self.uri} is unavailable: {redact_url(reason)}")


class StoreLocked(StoreUnavailable):
    """Another process holds the embedded store open for writing."""

    def __init__(self, uri: str, holder_pid: int | None) -> None:
        self.holder_pid = holder_pid
        who = f"process {holder_pid}" if holder_pid else "another process"
        super().__init__(
            uri,
            f"{who} holds it open for writing (only one writer may open the embedded store). "
            "If that is `gridhub serve` with one worker, write commands are sent to it by "
            "themselves (its channel file beside the store); with several workers it opened the "
            "store read-only and no process can write: stop it first. Read-only commands can "
            "still open the store.",
        )


class SchemaMismatch(StoreError):
    """A write names a label, relationship or property that the schema does not declare."""


class StoreTimeout(StoreError):
    """The store stopped a read that ran past the time it was given (see ``set_read_timeout``)."""
