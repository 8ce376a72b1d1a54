"""JWT Auth: a signed JWT (PyJWT + cryptography) from the connector's key and claims."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.views.decorators.debug import sensitive_variables

from connectors.engine.oauth.config import secret
from connectors.engine.oauth.urls import claim_text, plain_setting
from connectors.models import Connector

PEM_RE = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.DOTALL)


class InvalidKey(ValueError):
    """The Private Key is not a PEM key this algorithm can sign with."""


@sensitive_variables("text", "body")
def normalize_pem(text: str) -> str:
    """A PEM as pasted: its line breaks may be lost (a password box) or written as \\n."""
    text = text.strip().replace("\\n", "\n")
    match = PEM_RE.search(text)
    if match is None:
        return text
    label, body = match.group(1), re.sub(r"\s+", "", match.group(2))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


@sensitive_variables("pem")
def load_key(pem: str, algorithm: str) -> Any:
    """The private key, or InvalidKey with a sentence saying what is wrong."""
    try:
        key = load_pem_private_key(normalize_pem(pem).encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidKey(
            "The Private Key is not an unencrypted PEM private key "
            "(-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)."
        ) from None
    if algorithm == "RS256" and not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidKey("RS256 needs an RSA private key.")
    if algorithm == "ES256" and not (
        isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    ):
        raise InvalidKey("ES256 needs an EC private key on the P-256 curve.")
    return key


def claim_value(text: str) -> Any:
    """An additional claim as typed: JSON numbers, booleans, lists and objects; else text."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return value if not isinstance(value, str) else text


@sensitive_variables("pem", "key")
def sign(connector: Connector) -> str:
    """A fresh JWT: iss/sub default to the Client ID, aud to the Access Token Request URL."""
    algorithm = connector.setting("algorithm") or "RS256"
    pem = secret(connector, "private_key")
    key = load_key(pem, algorithm)
    client_id = plain_setting(connector, "client_id")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": connector.setting("issuer") or client_id,
        "sub": connector.setting("subject") or client_id,
        "iat": now,
        "exp": now + int(connector.setting("expiry_seconds") or 300),
        "jti": uuid.uuid4().hex,
    }
    audience_key = "audience" if connector.setting("audience") else "access_token_request_url"
    if connector.setting(audience_key):
        claims["aud"] = claim_text(connector, audience_key)
    for row in connector.setting("additional_claims", []) or []:
        claims[row["key"]] = claim_value(row["value"])
    headers = {"kid": kid} if (kid := connector.setting("kid")) else None
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)
