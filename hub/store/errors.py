"""Graph store errors, each naming the store (URI or path) it is about."""

from __future__ import annotations

import re

from connectors.secrets import MASK, redact_url
from hub.errors import HubError
from hub.redact import redact_pii

# Values the stores quote back from a write's parameters: Neo4j's constraint errors ("… with
# label `Person` and property `identity_number` = '…'") and values it cannot store
# ("Encountered: Map{…}", `String("…")`); ladybug's duplicate keys and failed casts.
_QUOTED_VALUES = (
    (
        re.compile(r"(`[^`]+`\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?[0-9][0-9.eE+-]*)"),
        rf"\1{MASK}",
    ),
    (re.compile(r"(Encountered: ).*"), rf"\1{MASK}"),
    (re.compile(r'(String\()"(?:[^"\\]|\\.)*"(\))'), rf'\1"{MASK}"\2'),
    (re.compile(r"(primary key value ).*?(, which)", re.DOTALL), rf"\1{MASK}\2"),
    (re.compile(r'(Could not convert )".*?"( to )', re.DOTALL), rf'\1"{MASK}"\2'),
)


def without_values(message: str) -> str:
    """A store's message with the row values it quotes masked (identity and mobile numbers
    anywhere in it too): store errors are printed, logged and kept in run reports."""
    for pattern, replacement in _QUOTED_VALUES:
        message = pattern.sub(replacement, message)
    return redact_pii(message)


class StoreError(HubError):
    """A graph store operation failed. The row values stores quote back are masked in its
    message; the store's own exception is not chained (it holds them unmasked)."""

    def __init__(self, message: str) -> None:
        super().__init__(without_values(message))


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
