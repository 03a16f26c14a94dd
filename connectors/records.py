"""What a mapped row is: the mentions of entities it makes, in roles, and the links between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Mention:
    """One entity as one source record names it, with normalised values."""

    source: str
    record_id: str
    role: str
    entity_type: str
    properties: dict[str, Any]
    # property → why its value cannot be a key (bad checksum…); the value is kept as written.
    problems: dict[str, str] = field(default_factory=dict)
    # Values for the resolver only, not stored as properties (e.g. a free-text address).
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.record_id, self.role)


@dataclass(frozen=True, slots=True)
class MentionLink:
    rel_type: str
    from_role: str
    to_role: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SourceRow:
    source: str
    record_id: str
    content_hash: str
    raw: dict[str, Any]
    mentions: list[Mention]
    links: list[MentionLink]

    def mention(self, role: str) -> Mention | None:
        return next((m for m in self.mentions if m.role == role), None)
