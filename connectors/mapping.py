"""Turn one raw row into a SourceRow: its record id, content hash, mentions and links."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from connectors.config import EntityMap, SourceConfig, ValueMap
from connectors.errors import RowError
from connectors.records import Mention, MentionLink, SourceRow
from connectors.transforms import TRANSFORMS
from graph_schema import Schema
from resolvers.ids import record_pseudonym
from resolvers.normalize import Normalizer, get_normalizer


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# One encoder for every row: json.dumps builds a new one per call with these options (a fifth
# of the cost of hashing a row, and every row of a changed file is hashed).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def content_hash(raw: dict[str, Any], key: bytes = b"") -> str:
    """Stable over key order, so an unchanged row hashes the same on every read. ``key``: the
    installation's pseudonym key. The hash names a row's version in the graph, and a caller
    without the pii scope sees the row with its numbers masked: an unkeyed hash would let it
    try the hundred-odd candidates of an identity number (times a phone's) until one matched."""
    text = _CANONICAL.encode(raw)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16, key=key).hexdigest()


class Mapper:
    """``pseudonym_key``: the installation's key, with which the ids of a source whose record
    id is personal data become pseudonyms (:func:`resolvers.ids.record_pseudonym`). None
    (``gridhub check``, which keeps nothing): a random key of this mapper's own. Empty: a state
    database from before keys, whose records are kept under their own ids (as they were)."""

    def __init__(self, config: SourceConfig, schema: Schema, pseudonym_key: bytes | None = None) -> None:
        self.config = config
        self._key = secrets.token_bytes(32) if pseudonym_key is None else pseudonym_key
        self.pseudonymous = bool(self._key) and config.record_id_is_pii(schema)
        self._normalizers: dict[tuple[str, str], Normalizer] = {}
        self._declared: dict[str, frozenset[str]] = {}
        for role, entity in config.entities.items():
            node = schema.node(entity.type)
            self._declared[role] = frozenset(node.property_names)
            for prop in node.properties:
                if prop.normalizer and prop.name in entity.properties:
                    self._normalizers[(role, prop.name)] = get_normalizer(prop.normalizer)

    def content_hash(self, raw: dict[str, Any]) -> str:
        """The row's content hash, keyed as this installation keys them."""
        return content_hash(raw, self._key)

    def record_id(self, raw: dict[str, Any]) -> str:
        parts = []
        for column in self.config.record_id:
            value = raw.get(column)
            if _empty(value):
                raise RowError(column, "record id column is empty")
            parts.append(str(value).strip())
        record_id = "|".join(parts)
        return record_pseudonym(self._key, self.config.name, record_id) if self.pseudonymous else record_id

    def map_row(self, raw: dict[str, Any]) -> SourceRow:
        if "__invalid__" in raw:
            raise RowError("(row)", str(raw["__invalid__"]))
        record_id = self.record_id(raw)
        mentions = [
            mention
            for role, entity in self.config.entities.items()
            if (mention := self._mention(raw, record_id, role, entity)) is not None
        ]
        present = {m.role for m in mentions}
        links = [
            MentionLink(link.type, link.from_role, link.to_role)
            for link in self.config.relationships
            if link.from_role in present and link.to_role in present
        ]
        return SourceRow(self.config.name, record_id, self.content_hash(raw), raw, mentions, links)

    def _value(self, raw: dict[str, Any], role: str, prop: str, spec: ValueMap) -> Any:
        value = raw.get(spec.column) if spec.column is not None else spec.value
        if _empty(value):
            return None
        for name in spec.transform:
            try:
                value = TRANSFORMS[name](value)
            except RowError as exc:
                raise RowError(f"{role}.{prop} (column {spec.column!r})", str(exc)) from None
        return value

    def _mention(self, raw: dict[str, Any], record_id: str, role: str, entity: EntityMap) -> Mention | None:
        props: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for prop, spec in entity.properties.items():
            value = self._value(raw, role, prop, spec)
            if value is None:
                continue
            normalizer = self._normalizers.get((role, prop))
            if normalizer is not None:
                normalized = normalizer(str(value))
                value = normalized.value
                if normalized.problem:
                    problems[prop] = normalized.problem
                for name, derived in normalized.derived.items():
                    if name in self._declared[role] and name not in entity.properties:
                        props[name] = derived
            props[prop] = value
        hints = {
            name: value
            for name, spec in entity.hints.items()
            if (value := self._value(raw, role, name, spec)) is not None
        }
        wanted = entity.requires or (*entity.properties, *entity.hints)
        if not any(p in props or p in hints for p in wanted):
            return None
        return Mention(self.config.name, record_id, role, entity.type, props, problems, hints)
