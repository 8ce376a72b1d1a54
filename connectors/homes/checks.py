"""The send-time check: may this stored secret, or this {{NAME}} credential, go to this URL?"""

from __future__ import annotations

from typing import Any

from connectors import kinds, secrets
from connectors.homes.origins import Origin, UnsafeURL, host_allowed, origin_of, parse_origin
from connectors.models import Connector, Credential

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
    env = secrets.env_credentials()
    if name in env:
        return env[name], "environment credential"
    return None


def _reference_chain(name: str) -> list[str]:
    """TEAM_KEY, then every credential its value refers to ({{OPENAI_API_KEY}}), level by
    level as far as resolving goes."""
    chain, level = [name], [name]
    for _ in range(secrets.MAX_REFERENCE_DEPTH):
        found = Credential.objects.filter(name__in=level).only("hint")
        level = [
            link
            for credential in found
            for link in secrets.reference_names(credential.hint)
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


# --- the home of each secret field -----------------------------------------------------------


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
    for name in secrets.reference_names(stored_hint):
        check_reference(name, url)
    if secrets.is_reference(stored_hint):
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
