"""Who is calling: the authenticated principal and what it may see.

Every request to the API is made by a :class:`Principal` (an API key or a JWT subject). The
GraphQL layer and the REST routes decide what to show from its scopes and its row-level
restriction; nothing else about the caller is consulted.

Scopes:

- ``read`` — every node type may be read; ``read:<Type>`` (``read:Person``) grants one type.
- ``pii`` — identity numbers and phones unmasked (without it: ``4403**********123X``).
- ``steward`` — the review queue, explanations and decisions.
- ``tasks`` — status changes of tasks (accept, done, return), within the caller's streets /
  communities when it has a restriction.
- ``events`` — report events (complaints: ``POST /events``, the ``reportEvent`` mutation) and
  read the dispatchers' queue of events the hub could not dispatch (``GET /events/queue``); the
  reporters' contacts in it are masked without ``pii``. A department system that reports events
  gets this scope alone: it changes no task and reads nothing of the graph.
- ``audit`` — the audit log of who looked up whom.
- ``admin`` — everything above, and the administrative routes.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_SCOPE = "read"
PII_SCOPE = "pii"
STEWARD_SCOPE = "steward"
TASKS_SCOPE = "tasks"
EVENTS_SCOPE = "events"
AUDIT_SCOPE = "audit"
ADMIN_SCOPE = "admin"
FIXED_SCOPES = frozenset(
    {READ_SCOPE, PII_SCOPE, STEWARD_SCOPE, TASKS_SCOPE, EVENTS_SCOPE, AUDIT_SCOPE, ADMIN_SCOPE}
)


def type_scope(label: str) -> str:
    """The scope that grants reading one node type: ``read:Person``."""
    return f"{READ_SCOPE}:{label}"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``streets`` / ``communities``: when not None, the caller sees only entities placed in these
    streets or communities (ids of Street / Community nodes); None means no restriction.
    """

    name: str
    scopes: frozenset[str]
    key_id: str | None = None  # the API key's public id, or None for a JWT
    method: str = "api_key"  # "api_key" or "jwt"
    streets: frozenset[str] | None = None
    communities: frozenset[str] | None = None

    def has(self, scope: str) -> bool:
        return ADMIN_SCOPE in self.scopes or scope in self.scopes

    def can_read(self, label: str) -> bool:
        return self.has(READ_SCOPE) or type_scope(label) in self.scopes

    @property
    def restricted(self) -> bool:
        return self.streets is not None or self.communities is not None

    @property
    def audit_name(self) -> str:
        """How the audit log names the caller: ``key:<id> (<name>)`` or ``jwt:<subject>``."""
        return f"key:{self.key_id} ({self.name})" if self.key_id else f"{self.method}:{self.name}"


def is_valid_scope(scope: str) -> bool:
    """A fixed scope, or ``read:<Type>`` with a type-shaped name (checked against the schema elsewhere)."""
    if scope in FIXED_SCOPES:
        return True
    prefix, _, label = scope.partition(":")
    return prefix == READ_SCOPE and label[:1].isupper() and label.isalnum()
