"""Secrets at rest: sealing with the server's keys (scoped when a page carries one), hints,
masks."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from connectors.lib import redaction

MASK = "••••"


REFERENCE_RE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


# One {{NAME}} anywhere in a secret field: `{{A}}{{B}}` and `prefix-{{A}}` combine them.
REFERENCE_TAG_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


# The secrets this request has decrypted, so an error report can mask them (see studio.errors).
_in_play: ContextVar[set[str] | None] = ContextVar("secrets_in_play", default=None)


@contextmanager
def collecting_in_play(already: Iterable[str] = ()) -> Iterator[None]:
    """Within the block, every secret decrypted or resolved is remembered by in_play(); with
    those given (collected earlier, by a block whose work goes on here)."""
    token = _in_play.set(set(already))
    try:
        yield
    finally:
        _in_play.reset(token)


def in_play() -> list[str]:
    return list(_in_play.get() or ())


def _note(value: str) -> str:
    if (seen := _in_play.get()) is not None:
        seen.add(value)
    return value


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys can decrypt."""


def _fernet() -> MultiFernet:
    keys = list(settings.STUDIO_ENCRYPTION_KEYS)
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "STUDIO_ENCRYPTION_KEYS is empty: secrets cannot be stored without a key."
            )
        # Local development only: a key derived from SECRET_KEY.
        digest = hashlib.sha256(settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


@sensitive_variables("value")
def seal(value: str) -> str:
    return _fernet().encrypt(_note(value).encode()).decode()


def unseal(token: str, *, owner: str = "a secret") -> str:
    try:
        return _note(_fernet().decrypt(token.encode()).decode())
    except InvalidToken:
        raise SecretUnreadable(
            f"The stored value of {owner} cannot be decrypted with the configured "
            "STUDIO_ENCRYPTION_KEYS; set it again."
        ) from None


def reseal(token: str) -> str:
    """Re-encrypt a sealed value under the first key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("A stored secret cannot be decrypted with any key.") from None


CARRIED_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Scope:
    """Whose value it is and where it may come back: one user, one purpose, one field."""

    user_id: int | None
    purpose: str  # as a person names the place: "Import cURL", "the Stripe template"
    field: str  # the field it was typed into: "command", "secret-api_key"


class SealRefused(Exception):
    """A carried value that came back somewhere it was not sealed for."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@sensitive_variables("value")
def seal_for(value: str, scope: Scope) -> str:
    """The one way a typed value is handed to the browser: sealed with its scope and time."""
    _note(value)
    payload = {
        "user": scope.user_id,
        "purpose": scope.purpose,
        "field": scope.field,
        "at": time.time(),
        "value": value,
    }
    return seal(json.dumps(payload))


@sensitive_variables("payload")
def unseal_for(token: str, scope: Scope) -> str:
    """The value sealed by seal_for for exactly this scope, within the hour; else SealRefused
    with a sentence saying why (the caller keeps everything else the person typed)."""
    again = "type it again."
    try:
        payload = json.loads(_fernet().decrypt(token.encode()).decode())
    except (InvalidToken, ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict) or not {"user", "purpose", "field", "at", "value"} <= set(
        payload
    ):
        raise SealRefused(f"A value kept from an earlier step could not be read: {again}")
    if payload["user"] != scope.user_id:
        raise SealRefused(f"A value kept here was typed by another user, not you: {again}")
    if payload["purpose"] != scope.purpose:
        raise SealRefused(
            f"A value kept here was typed for {payload['purpose']}, not {scope.purpose}: {again}"
        )
    if payload["field"] != scope.field:
        raise SealRefused(f"A value kept here was typed into another field: {again}")
    if not 0 <= time.time() - float(payload["at"]) < CARRIED_MAX_AGE_SECONDS:
        raise SealRefused(f"A value kept here was typed over an hour ago and has expired: {again}")
    return _note(str(payload["value"]))


def is_reference(value: str) -> bool:
    """True when the value is only {{NAME}} references (`{{A}}` or `{{A}}{{B}}`), no text."""
    return bool(REFERENCE_TAG_RE.search(value)) and not REFERENCE_TAG_RE.sub("", value).strip()


def reference_names(value: str) -> list[str]:
    """Every {{NAME}} the value refers to, in order, each once."""
    return list(dict.fromkeys(REFERENCE_TAG_RE.findall(value)))


def hint(value: str) -> str:
    """What a page may show of a secret: references whole (the text around them masked),
    else the last 4 characters."""
    if is_reference(value):
        return value.strip()
    if REFERENCE_TAG_RE.search(value):
        pieces = REFERENCE_TAG_RE.split(value)  # text, name, text, name, ...
        return "".join(
            "{{" + piece + "}}" if index % 2 else (MASK if piece else "")
            for index, piece in enumerate(pieces)
        )
    return value[-4:] if len(value) >= 12 else ""


def mask(value: str) -> str:
    tail = hint(value)
    return f"{MASK}{tail}" if tail and "{{" not in tail else MASK


@sensitive_variables("value")
def sealed_field(value: str, user_name: str) -> dict[str, str]:
    """A secret field's stored form: the sealed value, its hint, who set it and when."""
    return {
        "sealed": seal(value),
        "hint": hint(value),
        "set_by": user_name,
        "set_at": timezone.now().isoformat(),
    }


def reference_name(value: str) -> str | None:
    match = REFERENCE_RE.match(value)
    return match.group(1) if match else None


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every known secret value in text with a mask, in every encoding an API might
    echo it back in (percent, base64 at any alignment, hex, JSON-escaped)."""
    return redaction.redact(text, secrets, mask_raw=mask, mask=MASK)
