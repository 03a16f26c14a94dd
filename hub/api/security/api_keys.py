"""API keys: ``ghk_<public id>_<secret>``, created once, stored hashed, verified in constant time.

The public id names the key in listings and the audit log; the secret is 256 random bits shown
only when the key is created. The state database keeps the SHA-256 of the secret: a leaked copy
of the database gives no usable key. A plain (fast) hash is enough because the secret is random
and long; slow password hashes exist for secrets people choose.

Verifying a key costs a database round trip, so verified keys (and rejected ones) are cached
for a few seconds; a key revoked elsewhere (the CLI, another API process) stops working when
its cache entry expires, one revoked through the same :class:`ApiKeys` at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy.exc import SQLAlchemyError

from graph_schema import Schema, default_schema
from hub.api.security.principal import Principal
from hub.api.security.scopes import validate_scopes
from hub.state import ApiKeyError, ApiKeyRecord, StateStore

KEY_PREFIX = "ghk_"
# Lower-case hex: no "_" inside, so the key splits unambiguously (the secret may contain "_").
_KEY_RE = re.compile(r"ghk_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{20,})")
# Writing last_used_at on every request would turn each read into a write; once a minute tells
# an operator all they need ("is this key still in use?").
TOUCH_INTERVAL = timedelta(minutes=1)
# Bounds the memory a flood of made-up keys can take (each is cached as rejected).
_CACHE_SIZE = 10_000

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key. ``key`` is the plaintext: show it to the operator once, it is not kept."""

    key: str
    record: ApiKeyRecord

    @property
    def key_id(self) -> str:
        return self.record.key_id


class _Cached(NamedTuple):
    expires: float  # on the monotonic clock
    key_id: str | None
    principal: Principal | None  # None: the key was rejected


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(plaintext: str) -> tuple[str, str] | None:
    """(public id, secret) of a well-formed key, else None."""
    match = _KEY_RE.fullmatch(plaintext)
    return None if match is None else (match["id"], match["secret"])


def principal_of(record: ApiKeyRecord) -> Principal:
    return Principal(
        name=record.name,
        scopes=record.scopes,
        key_id=record.key_id,
        method="api_key",
        streets=record.streets,
        communities=record.communities,
    )


def _ids(values: Iterable[str] | None, what: str) -> frozenset[str] | None:
    if values is None:
        return None
    cleaned = frozenset(v.strip() for v in values)
    if not cleaned or "" in cleaned:
        raise ApiKeyError(f"a {what} restriction needs non-empty ids")
    return cleaned


class ApiKeys:
    """Create, list, revoke and verify API keys kept in ``state``. Thread-safe."""

    def __init__(
        self,
        state: StateStore,
        *,
        cache_ttl_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.cache_ttl_s = cache_ttl_s
        self._clock = clock
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def create(
        self,
        name: str,
        scopes: Iterable[str],
        *,
        created_by: str,
        streets: Collection[str] | None = None,
        communities: Collection[str] | None = None,
        schema: Schema | None = None,
    ) -> CreatedKey:
        """A new key; raises :class:`ApiKeyError` for a bad name, scope or restriction.

        ``streets`` / ``communities``: when given, the key sees only entities placed there.
        """
        if not name.strip():
            raise ApiKeyError("an API key needs a name (who or what uses it)")
        checked = validate_scopes(scopes, schema or default_schema())
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        record = self.state.insert_api_key(
            key_id, hash_secret(secret), name.strip(), checked, created_by.strip() or "unknown",
            _ids(streets, "street"), _ids(communities, "community"),
        )  # fmt: skip
        return CreatedKey(key=f"{KEY_PREFIX}{key_id}_{secret}", record=record)

    def list_keys(self, *, include_revoked: bool = True) -> list[ApiKeyRecord]:
        """Every key, oldest first; the secrets are not known, and their hashes are not shown."""
        return self.state.api_key_records(include_revoked=include_revoked)

    def revoke(self, key_id: str) -> ApiKeyRecord:
        record = self.state.revoke_api_key(key_id)
        with self._lock:
            for digest in [d for d, hit in self._cache.items() if hit.key_id == key_id]:
                del self._cache[digest]
        return record

    def cached(self, plaintext: str) -> tuple[bool, Principal | None]:
        """(found, principal) from the cache alone: lets an async caller skip the worker thread
        that :meth:`verify` needs when it has to ask the database."""
        with self._lock:
            hit = self._cache.get(_digest(plaintext))
            if hit is None or hit.expires <= self._clock():
                return False, None
            return True, hit.principal

    def verify(self, plaintext: str) -> Principal | None:
        """The principal of a valid, unrevoked key; None for anything else. Blocks on the
        database when the key is not cached."""
        found, principal = self.cached(plaintext)
        if found:
            return principal
        parsed = parse_key(plaintext)
        key_id = None if parsed is None else parsed[0]
        if parsed is not None:
            principal = self._check(*parsed)
        digest = _digest(plaintext)
        with self._lock:
            self._cache[digest] = _Cached(self._clock() + self.cache_ttl_s, key_id, principal)
            self._cache.move_to_end(digest)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return principal

    def _check(self, key_id: str, secret: str) -> Principal | None:
        stored = self.state.api_key(key_id)
        if stored is None:
            return None
        record, secret_hash = stored
        # Constant time: how long the comparison takes says nothing about how much matched.
        if not hmac.compare_digest(secret_hash, hash_secret(secret)) or not record.active:
            return None
        self._touch(record)
        return principal_of(record)

    def _touch(self, record: ApiKeyRecord) -> None:
        now = datetime.now(UTC)
        if record.last_used_at is not None and now - record.last_used_at < TOUCH_INTERVAL:
            return
        try:
            self.state.touch_api_key(record.key_id, now)
        except SQLAlchemyError as exc:  # informative only: never fail a request over it
            log.warning("could not record the use of API key %s: %s", record.key_id, exc)


def _digest(plaintext: str) -> str:
    # The cache is keyed by a digest so that it holds no usable key.
    return hashlib.sha256(plaintext.encode()).hexdigest()
