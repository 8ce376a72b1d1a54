"""Key pairs made once per test session, as PEM, for JWT Auth tests."""

from __future__ import annotations

import functools
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@functools.cache
def rsa_pair() -> tuple[str, str]:
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@functools.cache
def ec_pair() -> tuple[str, str]:
    return _pem(ec.generate_private_key(ec.SECP256R1()))


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def signed_for(audience: str) -> tuple[str, str]:
    """A JWT Bearer assertion made elsewhere (as a user would paste it), and the public key."""
    private, public = rsa_pair()
    now = int(time.time())
    claims = {"iss": "me", "sub": "me", "aud": audience, "iat": now, "exp": now + 300}
    return jwt.encode(claims, private, algorithm="RS256"), public
