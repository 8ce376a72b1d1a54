"""Retiring on a move: a save that changes the origin a secret was entered for drops it."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from connectors import secrets
from connectors.homes.checks import (
    API,
    TOKEN,
    Refused,
    check_reference,
    home_for,
    label_of,
    roles_of,
)
from connectors.homes.origins import TAG_RE, parse_origin
from connectors.models import Connector


def snapshot(connector: Connector | None) -> Connector | None:
    """A detached copy of what decides homes, taken before a form or import changes it."""
    if connector is None or connector.pk is None:
        return None
    return Connector(
        pk=connector.pk,
        name=connector.name,
        base_url=connector.base_url,
        auth_config=connector.auth_config,
        auth_settings=deepcopy(connector.auth_settings),
        auth_secrets=deepcopy(connector.auth_secrets),
        headers=deepcopy(connector.headers),
    )


def _slots(connector: Connector) -> dict[tuple[str, str], dict[str, Any]]:
    """Every sealed entry: ("field", name) for auth secrets, ("header", lower key) for headers."""
    found = {("field", name): entry for name, entry in (connector.auth_secrets or {}).items()}
    for row in connector.headers or []:
        if "secret" in row and row["secret"]:
            found[("header", row["key"].lower())] = row["secret"]
    return found


def _what(connector: Connector, slot: tuple[str, str]) -> str:
    kind, name = slot
    if kind == "header":
        key = next(r["key"] for r in connector.headers if r["key"].lower() == name)
        return f"the secret header {key}"
    return f"the {label_of(name)}"


def url_label(connector: Connector, role: str) -> str:
    if role == API:
        return "Base URL"
    jwt = connector.auth_config == Connector.AuthConfig.JWT
    return "Access Token Request URL" if jwt else "Oauth2 Token Url"


def _move_phrase(url: str, old: str, new: str) -> str:
    before, after = parse_origin(old or ""), parse_origin(new or "")
    if before is None or after is None:
        return f"The {url} changed"
    if before.scheme == after.scheme:
        return f"The {url}'s host changed from {before.shown} to {after.shown}"
    return f"The {url}'s origin changed from {before} to {after}"


def settle(before: Connector | None, after: Connector) -> list[str]:
    """Stamp newly entered secrets with their home; retire kept ones whose home moved.

    Changes `after` in place (auth_secrets, headers) and returns what to tell the user. A
    {{NAME}} reference is kept: its home is the credential's Allowed hosts, checked at send.
    """
    old = _slots(before) if before is not None else {}
    retired: dict[str, list[str]] = {}
    warnings: list[str] = []
    keep: dict[tuple[str, str], dict[str, Any] | None] = {}
    for slot, entry in _slots(after).items():
        field_name = slot[1] if slot[0] == "field" else ""
        want = home_for(after, field_name)
        previous = old.get(slot)
        is_kept = previous is not None and previous.get("sealed") == entry.get("sealed")
        home = entry.get("home")
        if not isinstance(home, dict):
            # Stored before homes were recorded: its home is where it went until now.
            home = home_for(before, field_name) if is_kept and before is not None else want
        reference = secrets.reference_name(entry.get("hint", ""))
        if reference or home == want:
            keep[slot] = {**entry, "home": want}
            if reference and is_kept and home != want:
                warnings += _reference_warning(reference, after, field_name)
            continue
        keep[slot] = None
        role = next(r for r in (API, TOKEN) if home.get(r) != want.get(r))
        phrase = _move_phrase(url_label(after, role), home.get(role), want.get(role))
        retired.setdefault(phrase, []).append(_what(after, slot))
    _write_back(after, keep)
    notes = [f"{phrase}: enter {_and(things)} again." for phrase, things in retired.items()]
    return notes + warnings


def bound_to_base_url(connector: Connector) -> str:
    """The connector's own literal secrets, as a phrase ("the Api Key"); "" when none."""
    if connector.pk is None:
        return ""
    found = [
        _what(connector, slot)
        for slot, entry in _slots(connector).items()
        if not secrets.reference_name(entry.get("hint", ""))
    ]
    return _and(found) if found else ""


def _reference_warning(name: str, connector: Connector, field_name: str) -> list[str]:
    messages = []
    for url in roles_of(connector, field_name).values():
        try:
            check_reference(name, TAG_RE.sub("x", url))
        except Refused as refused:
            messages.append(
                f"{{{{{name}}}}} is kept, but a Test will be refused until it may go to the new "
                f"host: {refused.message.replace(' Nothing was sent.', '')}"
            )
    return messages[:1]


def _write_back(connector: Connector, keep: dict[tuple[str, str], dict[str, Any] | None]) -> None:
    connector.auth_secrets = {
        name: entry
        for name in connector.auth_secrets
        if (entry := keep.get(("field", name))) is not None
    }
    rows = []
    for row in connector.headers or []:
        if "secret" not in row:
            rows.append(row)
        elif (entry := keep.get(("header", row["key"].lower()))) is not None:
            rows.append({"key": row["key"], "secret": entry})
    connector.headers = rows


def _and(things: list[str]) -> str:
    return things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]
