"""JSON Web Tokens from the district's identity provider: verified, then turned into a Principal.

HS256 with a shared secret (GRIDHUB_JWT_SECRET) or RS256/ES256 with the provider's public key
(GRIDHUB_JWT_PUBLIC_KEY_FILE), never both: the accepted algorithms follow from the key, so a
token cannot pick a weaker check (the "alg" confusion where a public key is used as an HMAC
secret). Scopes come from ``scope`` (space-separated, RFC 8693) or ``scopes`` (a list);
``streets`` / ``communities`` (lists of ids) restrict the rows the subject sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from hub.api.security.principal import Principal, is_valid_scope
from hub.errors import ConfigError, HubError
from hub.settings import Settings

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS = frozenset({"ES256", "ES384", "ES512"})
# RFC 7518 §3.2: an HMAC key at least as long as the hash (32 bytes for HS256).
MIN_SECRET_BYTES = 32
# Clocks of the provider and the hub differ a little; a token a few seconds "early" or "late"
# is not an attack.
LEEWAY_S = 10

PublicKey = RSAPublicKey | EllipticCurvePublicKey


class InvalidToken(HubError):
    """A token that does not authenticate anyone; the message says why, for the client."""


def _algorithms(configured: str, default: str) -> list[str]:
    return [a.strip() for a in (configured or default).split(",") if a.strip()]


def _read_public_key(path: Path) -> PublicKey:
    try:
        key = load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"GRIDHUB_JWT_PUBLIC_KEY_FILE {path}: cannot be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise ConfigError(f"GRIDHUB_JWT_PUBLIC_KEY_FILE {path}: not a PEM public key ({exc})") from exc
    if not isinstance(key, RSAPublicKey | EllipticCurvePublicKey):
        raise ConfigError(f"GRIDHUB_JWT_PUBLIC_KEY_FILE {path}: an RSA or EC public key is needed")
    return key


def _ids(claims: dict[str, Any], name: str) -> frozenset[str] | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidToken(f"the token's {name} claim must be a list of ids")
    return frozenset(value)


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    raw = claims.get("scope", claims.get("scopes", []))
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise InvalidToken("the token's scope claim must be a space-separated string or a list")
    # A provider puts its own scopes in the same claim ("openid", "profile"): not ours, ignored.
    return frozenset(s for s in raw if is_valid_scope(s))


class JwtVerifier:
    """Verifies tokens with one key and a fixed list of algorithms."""

    def __init__(
        self,
        key: str | PublicKey,
        algorithms: Sequence[str],
        audience: str | None = None,
        issuer: str | None = None,
    ) -> None:
        self.key = key
        self.algorithms = list(algorithms)
        self.audience = audience or None
        self.issuer = issuer or None

    @classmethod
    def from_settings(cls, settings: Settings) -> JwtVerifier | None:
        """The verifier the settings describe, or None when no JWT key is configured.

        Raises :class:`ConfigError` naming the setting (or the key file) that is wrong, so a
        misconfigured API does not start.
        """
        secret = settings.jwt_secret.get_secret_value()
        key_file = settings.jwt_public_key_file
        if secret and key_file is not None:
            raise ConfigError("set GRIDHUB_JWT_SECRET or GRIDHUB_JWT_PUBLIC_KEY_FILE, not both")
        key: str | PublicKey
        if secret:
            if len(secret.encode()) < MIN_SECRET_BYTES:
                raise ConfigError(f"GRIDHUB_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")
            key, allowed = secret, HMAC_ALGORITHMS
            algorithms = _algorithms(settings.jwt_algorithms, "HS256")
        elif key_file is not None:
            key = _read_public_key(key_file)
            is_rsa = isinstance(key, RSAPublicKey)
            allowed = RSA_ALGORITHMS if is_rsa else EC_ALGORITHMS
            algorithms = _algorithms(settings.jwt_algorithms, "RS256" if is_rsa else "ES256")
        else:
            return None
        wrong = [a for a in algorithms if a not in allowed]
        if wrong or not algorithms:
            what = f"the key in {key_file}" if key_file is not None else "GRIDHUB_JWT_SECRET"
            raise ConfigError(
                f"GRIDHUB_JWT_ALGORITHMS {','.join(wrong) or '(empty)'} cannot be verified with {what} "
                f"(use {', '.join(sorted(allowed))})"
            )
        return cls(key, algorithms, settings.jwt_audience, settings.jwt_issuer)

    def verify(self, token: str) -> Principal:
        """The token's subject as a Principal; raises :class:`InvalidToken` saying what is wrong."""
        required = ["exp", "sub"] + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])
        try:
            claims = jwt.decode(
                token, self.key, algorithms=self.algorithms, audience=self.audience,
                issuer=self.issuer, leeway=LEEWAY_S, options={"require": required},
            )  # fmt: skip
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            wanted = f"for {self.audience}" if self.audience else "without an audience"
            raise InvalidToken(f"the token is not meant for this API (it accepts tokens {wanted})") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken(f"the token was not issued by {self.issuer}") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("the token's signature is invalid") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token has no {exc.claim} claim") from exc
        except jwt.InvalidAlgorithmError as exc:
            raise InvalidToken(
                f"the token's algorithm is not accepted (accepted: {', '.join(self.algorithms)})"
            ) from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("the token is not valid yet") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the token is malformed ({exc})") from exc
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("the token's sub claim must be a non-empty string")
        return Principal(
            name=subject,
            scopes=_scopes(claims),
            key_id=None,
            method="jwt",
            streets=_ids(claims, "streets"),
            communities=_ids(claims, "communities"),
        )


def looks_like_jwt(credential: str) -> bool:
    """Three base64url parts: header, claims, signature."""
    return credential.count(".") == 2
