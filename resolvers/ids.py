"""Stable ids: every id the hub derives from what it identifies, in one place.

An entity id is its type's prefix and a digest of what keys it (a validated identifier, the one
mention that founded it, the mention a split starts from, a standard building or an address's
text), so the same data gives the same ids on every run. Source records are named in the graph
by their source and record id.
"""

from __future__ import annotations

import hashlib


def digest(*parts: str, key: bytes = b"") -> str:
    """A short digest of ``parts``; with ``key``, a keyed one (not to be recomputed without it)."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8, key=key).hexdigest()


def identifier_entity_id(prefix: str, entity_type: str, prop: str, value: str, key: bytes = b"") -> str:
    """The entity keyed by a valid identifier (``prop`` = ``value``); ``key``: the
    installation's pseudonym key, for an identifier that is personal data."""
    return f"{prefix}-{digest(entity_type, prop, value, key=key)}"


def record_pseudonym(key: bytes, source: str, record_id: str) -> str:
    """The record id a source's rows are kept under when their own id is personal data (an
    identity number, a phone): a keyed digest, per source (the same number keying rows of two
    sources gives two unrelated ids). 24 hex digits: no collision among billions of records."""
    return hashlib.blake2b(f"{source}\x1f{record_id}".encode(), digest_size=12, key=key).hexdigest()


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
