"""Every secret gets a home: connector secrets the origins they are sent to today, credentials
the hosts of the connectors that use them today (and a note saying so on the Credentials page).

Self-contained on purpose: a migration must not change when the app's code does.
"""

import re

from django.db import migrations, models

DEFAULT_PORTS = {"http": 80, "https": 443}
TOKEN_SIDE_OAUTH2 = {
    "client_secret",
    "password_grant_password",
    "refresh_token_grant_refresh_token",
    "jwt_bearer_assertion",
    "oauth_refresh_token",
}
REFERENCE_RE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
URL_RE = re.compile(r"^(https?)://([^/?#]*)", re.IGNORECASE)


def _origin(url):
    """(scheme, host, port) or None."""
    match = URL_RE.match((url or "").strip())
    if not match:
        return None
    scheme = match.group(1).lower()
    authority = match.group(2).rsplit("@", 1)[-1]
    host, _, port = authority.partition(":")
    if not host or (port and not port.isdigit()):
        return None
    return scheme, host.lower(), int(port) if port else DEFAULT_PORTS[scheme]


def _home(connector, field):
    settings = connector.auth_settings or {}
    roles = {"api": connector.base_url}
    if field in TOKEN_SIDE_OAUTH2 and settings.get("oauth2_token_url"):
        roles["token"] = settings["oauth2_token_url"]
    if field == "private_key" and settings.get("access_token_request_url"):
        roles["token"] = settings["access_token_request_url"]
    home = {}
    for role, url in roles.items():
        origin = _origin(url)
        home[role] = f"{origin[0]}://{origin[1]}:{origin[2]}" if origin else ""
    return home


def _allowed(url):
    origin = _origin(url)
    if origin is None:
        return None
    scheme, host, port = origin
    host = re.sub(r"\{\{\{?[^}]*\}?\}\}", "*", host)
    if "*" in host:
        rest = host.rsplit("*", 1)[1]
        if not rest.startswith("."):
            return None
        host = "*" + rest
    return host if DEFAULT_PORTS[scheme] == port else f"{host}:{port}"


def forwards(apps, schema_editor):
    Connector = apps.get_model("connectors", "Connector")
    Credential = apps.get_model("connectors", "Credential")
    hosts = {}  # credential name -> allowed hosts
    users = {}  # credential name -> connector names
    for connector in Connector.objects.all().order_by("name").iterator(chunk_size=500):
        slots = [(field, entry) for field, entry in (connector.auth_secrets or {}).items()]
        slots += [("", row["secret"]) for row in connector.headers or [] if row.get("secret")]
        for field, entry in slots:
            if not isinstance(entry.get("home"), dict):
                entry["home"] = _home(connector, field)
            match = REFERENCE_RE.match(entry.get("hint", ""))
            if match:
                name = match.group(1)
                users.setdefault(name, [])
                if connector.name not in users[name]:
                    users[name].append(connector.name)
                for role in ("api", "token"):
                    url = _home_url(connector, field, role)
                    allowed = _allowed(url) if url else None
                    if allowed and allowed not in hosts.setdefault(name, []):
                        hosts[name].append(allowed)
        connector.save(update_fields=["auth_secrets", "headers"])
    for credential in Credential.objects.all():
        used = users.get(credential.name, [])
        credential.allowed_hosts = hosts.get(credential.name, [])
        if used:
            credential.hosts_note = (
                "Allowed hosts were filled in at upgrade from the connectors using it then: "
                + ", ".join(used)[:380]
                + ". Check them and save."
            )
        else:
            credential.hosts_note = (
                "No connector used this credential at upgrade, so it may be sent nowhere until "
                "an Admin sets its Allowed hosts."
            )
        credential.save(update_fields=["allowed_hosts", "hosts_note"])


def _home_url(connector, field, role):
    if role == "api":
        return connector.base_url
    settings = connector.auth_settings or {}
    if field in TOKEN_SIDE_OAUTH2:
        return settings.get("oauth2_token_url", "")
    if field == "private_key":
        return settings.get("access_token_request_url", "")
    return ""


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0006_connector_variables"),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="allowed_hosts",
            field=models.JSONField(blank=True, default=list, verbose_name="Allowed hosts"),
        ),
        migrations.AddField(
            model_name="credential",
            name="hosts_note",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
