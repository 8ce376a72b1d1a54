"""Where a secret may go: the origin it was entered for, or a credential's Allowed hosts.

A connector's own secret is stamped, when entered, with the origins (scheme, host, port) of the
URLs it travels to: `{"api": origin}` for the Base URL, plus `"token"` for secrets that go to a
token endpoint. A save that moves one of those origins retires the secret (`settle`); the
executor and the token broker check every secret against the final URL before sending (`check`).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from connectors import kinds
from connectors.lib.origins import TAG_RE, Origin, UnsafeURL, host_allowed, origin_of, parse_origin
from connectors.models import Connector, Credential
from connectors.secrets import references, sealing

API = "api"


TOKEN = "token"


class Refused(Exception):
    """A secret would go outside its home: nothing is sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def credential_hosts(name: str) -> tuple[list[str], str] | None:
    """A credential's Allowed hosts and what it is ("credential" or "environment credential")."""
    credential = Credential.objects.filter(name=name).only("allowed_hosts", "hint").first()
    if credential is not None:
        return list(credential.allowed_hosts or []), "credential"
    env = references.env_credentials()
    if name in env:
        return env[name], "environment credential"
    return None


def _reference_chain(name: str) -> list[str]:
    """TEAM_KEY, then every credential its value refers to ({{OPENAI_API_KEY}}), level by
    level as far as resolving goes."""
    chain, level = [name], [name]
    for _ in range(references.MAX_REFERENCE_DEPTH):
        found = Credential.objects.filter(name__in=level).only("hint")
        level = [
            link
            for credential in found
            for link in sealing.reference_names(credential.hint)
            if link not in chain
        ]
        if not level:
            break
        chain += list(dict.fromkeys(level))
    return chain


def check_reference(name: str, url: str) -> None:
    """Every credential on the way from {{name}} to a value must allow the URL's host."""
    origin = _origin_or_refuse(url)
    for link in _reference_chain(name):
        found = credential_hosts(link)
        if found is None:
            return  # resolving it fails with CredentialMissing, before anything is sent
        hosts, kind = found
        if not hosts:
            where = (
                f"list it in STUDIO_ENV_CREDENTIALS as {link}@{origin.shown}"
                if kind == "environment credential"
                else "an Admin sets its Allowed hosts on the Credentials page"
            )
            raise Refused(
                f"{kind} {link} has no allowed hosts, so it is sent nowhere; this request goes "
                f"to {origin.shown}. Nothing was sent. To allow it, {where}."
            )
        if not any(host_allowed(h, origin) for h in hosts):
            raise Refused(
                f"{kind} {link} may only be sent to {', '.join(hosts)}; this request goes to "
                f"{origin.shown}. Nothing was sent."
            )


def _origin_or_refuse(url: str) -> Origin:
    try:
        origin = origin_of(url)
    except UnsafeURL as error:
        raise Refused(f"{error.message} Nothing was sent.") from None
    if "{{" in origin.host:
        raise Refused(f"The request URL {url} has no host a secret may go to. Nothing was sent.")
    return origin


def roles_of(connector: Connector, field_name: str) -> dict[str, str]:
    """The URLs a secret field travels to, by role: the Base URL, and a token endpoint."""
    token_setting = kinds.token_url_setting(field_name)
    token_url = connector.setting(token_setting) if token_setting else ""
    roles = {API: connector.base_url}
    if token_url:
        roles[TOKEN] = token_url
    return roles


def home_for(connector: Connector, field_name: str) -> dict[str, str]:
    """The home to stamp on a secret entered now for this field (a header: field_name "")."""
    home = {}
    for role, url in roles_of(connector, field_name).items():
        try:
            origin: Origin | None = origin_of(url)
        except UnsafeURL:
            origin = None
        home[role] = str(origin) if origin else ""
    return home


class NotSet(Exception):
    """A secret the request needs is not set (never entered, or retired by a move)."""

    def __init__(self, what: str, connector: Connector) -> None:
        super().__init__(
            f"The {what} of connector {connector.name} is not set: enter it on the connector "
            "(a secret is cleared when the host it was entered for changes). Nothing was sent."
        )
        self.message = str(self)


TOKEN_SIDE = kinds.token_side_fields()


def check_field(connector: Connector, field_name: str, url: str, role: str = API) -> None:
    """Refuse unless the connector's stored secret field may go to url in this role."""
    stored = connector.auth_secrets.get(field_name)
    stale = field_name == kinds.OBTAINED_REFRESH_TOKEN and stored
    if stale and stored.get("config") != kinds.fingerprint(connector):
        return  # for another configuration: the broker will not send it
    check(stored, label_of(field_name), url, role)


def check_token_request(connector: Connector, url: str) -> None:
    """Before a token request: every token-side secret of the connector may go to url."""
    for name in TOKEN_SIDE:
        check_field(connector, name, url, TOKEN)


def check_token_use(connector: Connector, url: str) -> None:
    """Before an access token is fetched for an API request: the secrets that obtain it were
    entered (or allowed) for this API too, so a token made from them never goes elsewhere."""
    for name in TOKEN_SIDE:
        check_field(connector, name, url, API)


def label_of(field_name: str) -> str:
    return kinds.label(field_name) or field_name.replace("_", " ").capitalize()


def check(stored: dict[str, Any] | None, label: str, url: str, role: str = API) -> None:
    """Refuse unless the stored secret may go to url in this role (API or TOKEN)."""
    if not stored:
        return
    stored_hint = stored.get("hint", "")
    for name in sealing.reference_names(stored_hint):
        check_reference(name, url)
    if sealing.is_reference(stored_hint):
        return  # nothing but references: their Allowed hosts are the home
    origin = _origin_or_refuse(url)
    home = parse_origin((stored.get("home") or {}).get(role, ""))
    if home is None:
        raise Refused(
            f"The {label} has no recorded host for this request: enter it again on the "
            f"connector. Nothing was sent to {origin.shown}."
        )
    if not home.admits(origin):
        raise Refused(
            f"The {label} may only be sent to {home.shown}, the host it was entered for; this "
            f"request goes to {origin.shown}. Nothing was sent. Enter it again on the connector "
            "to use it with the new host."
        )


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
        reference = sealing.reference_name(entry.get("hint", ""))
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
        if not sealing.reference_name(entry.get("hint", ""))
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
