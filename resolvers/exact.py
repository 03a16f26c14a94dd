"""Deterministic linking by validated identifiers: the first step of entity resolution.

A mention that carries a valid identifier (resident ID, USCC, licence number, building or grid
code) joins the entity keyed by it; one without any stays an entity of its own until the fuzzy
resolver looks at it. Entity IDs are derived from the key, so they are stable across runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from connectors.records import Mention
from graph_schema import Schema


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


class ExactLinker:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._identifiers = {n.name: tuple(p.name for p in n.identifiers) for n in schema.node_types}
        self._prefixes = {n.name: n.id_prefix for n in schema.node_types}

    def identifier_key(self, mention: Mention) -> tuple[str, str] | None:
        """The (property, value) this mention is keyed by; an invalid value is never a key."""
        for prop in self._identifiers[mention.entity_type]:
            value = mention.properties.get(prop)
            if value is not None and prop not in mention.problems:
                return prop, str(value)
        return None

    def entity_id(self, mention: Mention) -> str:
        prefix = self._prefixes[mention.entity_type]
        key = self.identifier_key(mention)
        if key is not None:
            return f"{prefix}-{_digest(mention.entity_type, *key)}"
        return f"{prefix}-{_digest(mention.entity_type, 'mention', *mention.key)}"

    def link(self, mentions: Iterable[Mention]) -> dict[tuple[str, str, str], str]:
        """Mention key (source, record id, role) → entity id."""
        return {m.key: self.entity_id(m) for m in mentions}
