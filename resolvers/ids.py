"""Stable ids: every id the hub derives from what it identifies, in one place.

An entity id is its type's prefix and a digest of what keys it (a validated identifier, the one
mention that founded it, the mention a split starts from, a standard building or an address's
text), so the same data gives the same ids on every run. Source records are named in the graph
by their source and record id.
"""

from __future__ import annotations

import hashlib


def digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def identifier_entity_id(prefix: str, entity_type: str, prop: str, value: str) -> str:
    """The entity keyed by a valid identifier (``prop`` = ``value``)."""
    return f"{prefix}-{digest(entity_type, prop, value)}"


def mention_entity_id(prefix: str, entity_type: str, source: str, record_id: str, role: str) -> str:
    """The entity of a mention without a valid identifier: its own until resolution says otherwise."""
    return f"{prefix}-{digest(entity_type, 'mention', source, record_id, role)}"


def split_entity_id(prefix: str, entity_type: str, first_mention: str) -> str:
    """The new entity a split makes of a cluster that belongs to no entity (named after the
    smallest mention id among its members)."""
    return f"{prefix}-{digest('split', entity_type, first_mention)}"


def building_address_id(prefix: str, building_id: str) -> str:
    """The address entity of a standard building (an address matched to it, no room)."""
    return f"{prefix}-{digest('building', building_id)}"


def text_address_id(prefix: str, cleaned_text: str) -> str:
    """The address entity of an address matched to nothing, by its cleaned text."""
    return f"{prefix}-{digest('text', cleaned_text)}"


def record_node_id(source: str, record_id: str) -> str:
    """The graph id of a source record node: unique across sources."""
    return f"{source}:{record_id}"


def version_id(record_node: str, content_hash: str) -> str:
    """The graph id of one version of a source record."""
    return f"{record_node}@{content_hash}"
