"""Operations on another host than the document's main one: a connector of their own each.

A description may send a few operations elsewhere (Box's uploads go to upload.box.com, an
operation's own `servers`, a Postman request's host). Each such host gets a plan of its own,
with the main plan's Auth Config and credential references, shown in the same preview and
created in the same transaction: no operation is left behind.
"""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

from connectors.importing import names
from connectors.importing.auth import suggested_hosts
from connectors.importing.plan import ConnectorPlan, Plan


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()


def _suffix(main_url: str, url: str) -> str:
    """What tells the other host from the main one: `upload` for upload.box.com next to
    api.box.com; the path for the same host under another path."""
    main, other = _host(main_url).split("."), _host(url).split(".")
    if main == other:
        return urlsplit(url).path.strip("/") or "root"
    while main and other and main[-1] == other[-1] and len(other) > 1:
        main, other = main[:-1], other[:-1]
    return ".".join(other)


def plan_for(plan: Plan, base_url: str) -> Plan:
    """The plan of the connector for base_url, made the first time it is asked for."""
    base_url = base_url.rstrip("/")
    for other in plan.others:
        if other.connector.base_url == base_url:
            return other
    main = plan.connector
    taken = {main.name.lower()} | {o.connector.name.lower() for o in plan.others}
    # Named after the document's own main host, whichever Base URL the person chose.
    main_url = (main.base_url_choices or [main.base_url])[0]
    name = names.identifier(f"{main.name} {_suffix(main_url, base_url)}", "api")
    other = Plan(
        kind=plan.kind,
        source=plan.source,
        connector=ConnectorPlan(
            name=names.unique(name[: names.MAX_LENGTH - 3].rstrip("_"), taken),
            display_name=f"{main.display_name} ({_host(base_url)})"[:200],
            description=main.description,
            base_url=base_url,
            base_url_choices=[base_url],
            headers=copy.deepcopy(main.headers),
            timeout_seconds=main.timeout_seconds,
            verify_tls=main.verify_tls,
        ),
        auth=copy.deepcopy(plan.auth),
        history_note=plan.history_note,
    )
    plan.others.append(other)
    return other


def finish(plan: Plan) -> None:
    """Once every operation is placed: the credentials the connectors share may go to every
    host they are sent to, and the preview says where the other connectors are."""
    if not plan.others:
        return
    for credential in plan.credentials:
        for other in plan.others:
            if other.auth.secrets.get(credential.secret_field) == "{{" + credential.name + "}}":
                credential.hosts = list(
                    dict.fromkeys(
                        [*credential.hosts, *suggested_hosts(other, credential.secret_field)]
                    )
                )
    plan.notes.append(
        f"{summary(plan)}: operations on another host than {label(plan, plan)} go to a "
        "connector for their host, with the same Auth Config; a secret typed here is set on "
        f"{plan.connector.name} only."
    )


def label(plan: Plan, one: Plan) -> str:
    """One connector's host, with its path when two connectors share the host."""
    url = one.connector.base_url
    hosts = [_host(p.connector.base_url) for p in [plan, *plan.others]]
    if hosts.count(_host(url)) > 1:
        parts = urlsplit(url)
        return f"{parts.hostname}{parts.path}" if parts.hostname else url
    return _host(url)


def summary(plan: Plan) -> str:
    """ "2 connectors: api.box.com (252 actions), upload.box.com (2 actions)"."""
    plans = [plan, *plan.others]
    return f"{len(plans)} connector{'s' if len(plans) > 1 else ''}: " + ", ".join(
        f"{label(plan, p)} ({len(p.actions)} action{'' if len(p.actions) == 1 else 's'})"
        for p in plans
    )
