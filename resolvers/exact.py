"""Deterministic linking by validated identifiers: the first step of entity resolution.

A mention that carries a valid identifier (resident ID, USCC, licence number, building or grid
code) joins the entity keyed by it; one without any stays an entity of its own until the fuzzy
resolver looks at it. Entity IDs are derived from the key, so they are stable across runs.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import Any, Protocol

from graph_schema import Schema
from resolvers.address.parse import place_key
from resolvers.ids import identifier_entity_id, mention_entity_id


class Linkable(Protocol):
    """What the exact linker reads of a mention (connectors.records.Mention is one)."""

    @property
    def entity_type(self) -> str: ...

    @property
    def properties(self) -> Mapping[str, Any]: ...

    # Properties whose value cannot be a key (bad checksum…).
    @property
    def problems(self) -> Container[str]: ...

    # (source, record id, role)
    @property
    def key(self) -> tuple[str, str, str]: ...


class ExactLinker:
    """``pseudonym_key``: the installation's key, so that an entity keyed by an identifier that
    is personal data (a resident ID) gets an id that does not give the identifier away
    (:mod:`resolvers.ids`); empty: unkeyed digests (a state database from before keys)."""

    def __init__(self, schema: Schema, pseudonym_key: bytes = b"") -> None:
        self.schema = schema
        self._identifiers = {n.name: tuple(p.name for p in n.identifiers) for n in schema.node_types}
        self._personal = {(n.name, p.name) for n in schema.node_types for p in n.identifiers if p.pii}
        self._key = pseudonym_key
        self._name_keys = {
            n.name: tuple(p.name for p in n.properties if p.name_key) for n in schema.node_types
        }
        self._prefixes = {n.name: n.id_prefix for n in schema.node_types}

    def identifier_key(self, mention: Linkable) -> tuple[str, str] | None:
        """The (property, value) this mention is keyed by; an invalid value is never a key."""
        for prop in self._identifiers[mention.entity_type]:
            value = mention.properties.get(prop)
            if value is not None and prop not in mention.problems:
                return prop, str(value)
        for prop in self._name_keys[mention.entity_type]:
            value = mention.properties.get(prop)
            folded = place_key(str(value)) if value is not None else ""
            if folded:
                return prop, folded
        return None

    def entity_id(self, mention: Linkable) -> str:
        prefix = self._prefixes[mention.entity_type]
        key = self.identifier_key(mention)
        if key is not None:
            secret = self._key if (mention.entity_type, key[0]) in self._personal else b""
            return identifier_entity_id(prefix, mention.entity_type, *key, key=secret)
        return mention_entity_id(prefix, mention.entity_type, *mention.key)

    def link(self, mentions: Iterable[Linkable]) -> dict[tuple[str, str, str], str]:
        """Mention key (source, record id, role) → entity id."""
        return {m.key: self.entity_id(m) for m in mentions}
