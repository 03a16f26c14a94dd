"""JWTs: HS256 with a secret, RS256 with a public key file; every kind of bad token says why."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.api.security.jwt_tokens import InvalidToken, JwtVerifier
from hub.errors import ConfigError
from hub.settings import Settings

SECRET = "s" * 40
AUDIENCE = "gridhub-api"
ISSUER = "https://idp.futian.example"


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "zhang.san", "iat": now, "exp": now + 300, "aud": AUDIENCE, "iss": ISSUER, **extra}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(**extra: Any) -> str:
    return jwt.encode(claims(**extra), SECRET, algorithm="HS256")


@pytest.fixture
def hs_verifier() -> JwtVerifier:
    verifier = JwtVerifier.from_settings(
        Settings(jwt_secret=SECRET, jwt_audience=AUDIENCE, jwt_issuer=ISSUER)  # type: ignore[arg-type]
    )
    assert verifier is not None
    return verifier


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def test_hs256_token_becomes_a_principal(hs_verifier: JwtVerifier) -> None:
    token = hs256(scope="read pii openid read:Person", streets=["S1"], communities=["C1"])
    principal = hs_verifier.verify(token)
    assert principal.name == "zhang.san"
    assert principal.method == "jwt"
    assert principal.key_id is None
    # The provider's own scopes (openid) are not ours and are dropped.
    assert principal.scopes == frozenset({"read", "pii", "read:Person"})
    assert principal.streets == frozenset({"S1"})
    assert principal.communities == frozenset({"C1"})
    assert principal.audit_name == "jwt:zhang.san"


def test_scopes_may_be_a_list_and_restriction_is_optional(hs_verifier: JwtVerifier) -> None:
    principal = hs_verifier.verify(hs256(scopes=["steward", "audit"]))
    assert principal.scopes == frozenset({"steward", "audit"})
    assert not principal.restricted
    assert hs_verifier.verify(hs256()).scopes == frozenset()


def test_rs256_with_a_public_key_file(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    settings = Settings(jwt_public_key_file=public_pem(rsa_key, tmp_path / "idp.pem"), jwt_audience=AUDIENCE)
    verifier = JwtVerifier.from_settings(settings)
    assert verifier is not None
    assert verifier.algorithms == ["RS256"]
    token = jwt.encode(claims(scope="read"), rsa_key, algorithm="RS256")
    assert verifier.verify(token).scopes == frozenset({"read"})
    # Signed by another key: refused.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidToken, match="signature is invalid"):
        verifier.verify(jwt.encode(claims(), other, algorithm="RS256"))
    # An HS256 token "signed" with the public key as HMAC secret (the algorithm confusion
    # attack: the public key is public): refused.
    header = _b64(b'{"alg":"HS256","typ":"JWT"}')
    signing_input = header + "." + _b64(json.dumps(claims()).encode())
    pem = (tmp_path / "idp.pem").read_bytes()
    signature = _b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(InvalidToken, match="algorithm is not accepted"):
        verifier.verify(f"{signing_input}.{signature}")


@pytest.mark.parametrize(
    ("token_claims", "message"),
    [
        ({"exp": int(time.time()) - 3600}, "the token has expired"),
        ({"aud": "another-api"}, "not meant for this API"),
        ({"iss": "https://elsewhere.example"}, f"not issued by {ISSUER}"),
        ({"sub": None}, "has no sub claim"),
        ({"exp": None}, "has no exp claim"),
        ({"streets": "S1"}, "streets claim must be a list"),
    ],
)
def test_bad_tokens_say_why(hs_verifier: JwtVerifier, token_claims: dict[str, Any], message: str) -> None:
    body = {k: v for k, v in claims(**token_claims).items() if v is not None}
    with pytest.raises(InvalidToken, match=message):
        hs_verifier.verify(jwt.encode(body, SECRET, algorithm="HS256"))


def test_a_wrong_secret_or_garbage_is_refused(hs_verifier: JwtVerifier) -> None:
    with pytest.raises(InvalidToken, match="signature is invalid"):
        hs_verifier.verify(jwt.encode(claims(), "t" * 40, algorithm="HS256"))
    with pytest.raises(InvalidToken, match="malformed"):
        hs_verifier.verify("not.a.token")
    unsigned = jwt.encode(claims(), None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken, match="algorithm is not accepted"):
        hs_verifier.verify(unsigned)


def test_no_key_configured_means_no_jwts() -> None:
    assert JwtVerifier.from_settings(Settings()) is None


def test_misconfigurations_stop_startup_naming_the_setting(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(ConfigError, match=f"GRIDHUB_JWT_PUBLIC_KEY_FILE {missing}: cannot be read"):
        JwtVerifier.from_settings(Settings(jwt_public_key_file=missing))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ConfigError, match=f"GRIDHUB_JWT_PUBLIC_KEY_FILE {garbage}: not a PEM public key"):
        JwtVerifier.from_settings(Settings(jwt_public_key_file=garbage))
    pem = public_pem(rsa_key, tmp_path / "idp.pem")
    with pytest.raises(ConfigError, match="HS256 cannot be verified with the key in"):
        JwtVerifier.from_settings(Settings(jwt_public_key_file=pem, jwt_algorithms="RS256,HS256"))
    with pytest.raises(ConfigError, match="not both"):
        JwtVerifier.from_settings(Settings(jwt_public_key_file=pem, jwt_secret=SECRET))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        JwtVerifier.from_settings(Settings(jwt_secret="short"))  # type: ignore[arg-type]
