"""Who is calling: an API key or a JWT from the request's headers, as a Principal, rate-limited.

``Authorization: Bearer <API key or JWT>`` or ``X-API-Key: <API key>``. Without a valid
credential a request is refused with 401 before anything is read. Security is on unless
GRIDHUB_API_AUTH=disabled (local development only): then every caller is "anonymous" with the
read scope alone — no personal data, no steward routes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable

import anyio.to_thread
from fastapi import Depends
from starlette.requests import HTTPConnection

from hub.api.security.api_keys import KEY_PREFIX, ApiKeys
from hub.api.security.errors import RATE_LIMITED, RequestRejected, forbidden, unauthenticated
from hub.api.security.jwt_tokens import InvalidToken, JwtVerifier, looks_like_jwt
from hub.api.security.principal import READ_SCOPE, Principal
from hub.api.security.rate_limit import RateLimiter, retry_after
from hub.errors import ConfigError
from hub.settings import Settings
from hub.state import StateStore

API_KEY_HEADER = "x-api-key"
ANONYMOUS = Principal(name="anonymous", scopes=frozenset({READ_SCOPE}), method="anonymous")

log = logging.getLogger(__name__)

PrincipalDependency = Callable[..., Awaitable[Principal]]


class Authenticator:
    """Turns request headers into a :class:`Principal`; ``authenticate`` is the FastAPI
    dependency. ``state_factory`` opens the state database (where API keys are) on first use:
    an API only ever called with JWTs never opens it for authentication."""

    def __init__(self, settings: Settings, state_factory: Callable[[], StateStore]) -> None:
        self.disabled = settings.api_auth == "disabled"
        if self.disabled and settings.api_mode == "production":
            raise ConfigError(
                "GRIDHUB_API_AUTH=disabled is for local development; GRIDHUB_API_MODE=production refuses it"
            )
        if self.disabled:
            log.warning(
                "!!! API AUTHENTICATION IS DISABLED (GRIDHUB_API_AUTH=disabled): every caller is "
                "'anonymous' with the read scope. Never run this way outside local development. !!!"
            )
        # Built now, not on the first token: a bad key file stops the API from starting.
        self.jwt = JwtVerifier.from_settings(settings)
        self.limiter = RateLimiter(settings.api_rate_per_s, settings.api_rate_burst)
        self._state_factory = state_factory
        self._key_cache_s = settings.api_key_cache_s
        self._keys: ApiKeys | None = None
        self._keys_lock = threading.Lock()

    @property
    def keys(self) -> ApiKeys:
        with self._keys_lock:
            if self._keys is None:
                self._keys = ApiKeys(self._state_factory(), cache_ttl_s=self._key_cache_s)
            return self._keys

    async def authenticate(self, connection: HTTPConnection) -> Principal:
        """The caller, or 401 (no or bad credential) / 429 (over its rate). Also kept on
        ``connection.state.principal`` for code that is not handed dependencies."""
        principal = ANONYMOUS if self.disabled else await self._identify(connection)
        self._limit(principal)
        connection.state.principal = principal
        return principal

    @staticmethod
    def credential(connection: HTTPConnection) -> str | None:
        """The presented API key or token, or None when there is none; 401 for a malformed
        Authorization header."""
        authorization = connection.headers.get("authorization")
        if authorization is not None:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise unauthenticated("the Authorization header must be 'Bearer <API key or token>'")
            return value.strip()
        api_key = connection.headers.get(API_KEY_HEADER)
        return api_key.strip() if api_key and api_key.strip() else None

    async def _identify(self, connection: HTTPConnection) -> Principal:
        credential = self.credential(connection)
        if credential is None:
            raise unauthenticated(
                "authentication required: send 'Authorization: Bearer <API key or token>' or 'X-API-Key: <API key>'"
            )
        if credential.startswith(KEY_PREFIX):
            return await self._verify_key(credential)
        if self.jwt is not None and looks_like_jwt(credential):
            try:
                return self.jwt.verify(credential)
            except InvalidToken as exc:
                raise unauthenticated(str(exc), invalid_token=True) from exc
        what = "an API key (ghk_…) or a token" if self.jwt is not None else "an API key (ghk_…)"
        raise unauthenticated(f"the credential is not {what}", invalid_token=True)

    async def _verify_key(self, key: str) -> Principal:
        keys = self._keys
        if keys is None:  # the first key seen opens the state database: off the event loop too
            keys = await anyio.to_thread.run_sync(lambda: self.keys)
        found, principal = keys.cached(key)
        if not found:  # the database is asked off the event loop
            principal = await anyio.to_thread.run_sync(keys.verify, key)
        if principal is None:
            raise unauthenticated("the API key is unknown or revoked", invalid_token=True)
        return principal

    def _limit(self, principal: Principal) -> None:
        wait = self.limiter.acquire(principal.key_id or principal.audit_name)
        if wait is not None:
            raise RequestRejected(
                429,
                RATE_LIMITED,
                f"too many requests: {self.limiter.rate_per_s:g} per second allowed "
                f"(bursts of {self.limiter.burst}); retry in {wait:.2f} s",
                {"Retry-After": retry_after(wait)},
            )


def require_scope(authenticate: PrincipalDependency, scope: str) -> PrincipalDependency:
    """A dependency for REST routes: the caller if it holds ``scope`` (or admin), else 403."""

    # A default rather than Annotated: with postponed annotations FastAPI would have to resolve
    # `authenticate`, a local name, from the module's globals.
    async def dependency(principal: Principal = Depends(authenticate)) -> Principal:  # noqa: B008
        if not principal.has(scope):
            raise forbidden(f"the {scope} scope is needed")
        return principal

    return dependency
