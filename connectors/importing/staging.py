"""The one hand-off between Preview and Create: the source staged, sealed, and a keyed digest.

At Preview the source is staged in the shared cache under a random token, sealed (Fernet, as
every secret at rest), for this user only; the page carries the token and `digest(plan)`, a
keyed digest (HMAC on SECRET_KEY) of what the plan would do. Create re-reads the staged source,
rebuilds the plan against the catalog as it is now, and writes only when `differs(plan, shown)`
is false; otherwise the preview is shown again, saying it differs from the one the person saw.
A gallery template's answers ride in its form, re-posted with Create: `answers_digest` is
checked the same way. A catalog file rides in its preview page (it holds no secret, only
references) with `catalog_digest` of what it would do, checked before anything is written.
"""

from __future__ import annotations

import base64
import json
import secrets as random
import zlib
from typing import Any

from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

from connectors.importing.catalog_compare import CatalogPlan
from connectors.importing.plan import Plan
from connectors.importing.sources import Source
from connectors.secrets import sealing

TTL_SECONDS = 3600
_SALT = "connectors.importing.staging"


def _key(token: str) -> str:
    return f"connectors:import:{token}"


def stage(source: Source, user_id: int) -> str:
    """Keep the source for this user's Create; the token is all the page carries."""
    token = random.token_urlsafe(24)
    packed = base64.b64encode(zlib.compress(source.data, 1)).decode()
    cache.set(
        _key(token),
        {"user": user_id, "label": source.label, "sealed": sealing.seal(packed)},
        TTL_SECONDS,
    )
    return token


def staged(token: str, user_id: int) -> Source | None:
    """The source staged by this user under the token, or None (expired, not theirs, or not
    sealed here)."""
    if not token or len(token) > 64:
        return None
    entry = cache.get(_key(token))
    if not entry or entry.get("user") != user_id:
        return None
    try:
        packed = sealing.unseal(entry["sealed"], owner="a staged import")
        data = zlib.decompress(base64.b64decode(packed))
    except (sealing.SecretUnreadable, KeyError, ValueError, zlib.error):
        return None
    return Source(entry["label"], data)


def drop(token: str) -> None:
    cache.delete(_key(token))


def keyed_digest(facts: Any, salt: str = _SALT) -> str:
    """A digest only this server can make: a page cannot forge one for another outcome."""
    text = json.dumps(facts, sort_keys=True, default=str)
    return salted_hmac(salt, text, algorithm="sha256").hexdigest()


def _facts(plan: Plan) -> list[Any]:
    return [
        plan.connector.name,
        plan.target_exists,
        plan.removed,
        plan.auth.auth_config,
        [(c.name, c.exists) for c in plan.credentials],
        [(a.name, a.method, a.path, a.status, a.existing, a.default) for a in plan.actions],
    ]


def digest(plan: Plan) -> str:
    """What the plan would do (and do for its other hosts' connectors), keyed."""
    return keyed_digest([_facts(plan), [_facts(other) for other in plan.others]])


def differs(plan: Plan, shown: str) -> bool:
    """Whether Create would now do something other than the preview that carried `shown`."""
    return differs_from(shown, digest(plan))


def answers_digest(plan: Plan) -> str:
    """A plan made again from answers re-posted with Create (a gallery template): what it would
    do and the plain values it would write; never a secret, not even sealed."""
    wanted = plan.connector
    return keyed_digest(
        [
            _facts(plan),
            [wanted.display_name, wanted.base_url, wanted.variables],
            [row["key"] for row in wanted.headers],
            plan.auth.settings,
        ]
    )


def catalog_digest(plan: CatalogPlan) -> str:
    """What a catalog file would do, connector by connector and monitor by monitor, keyed."""
    return keyed_digest(
        [
            [(i.name, i.status, i.added_actions, i.changed_actions) for i in plan.items],
            [(m.name, m.status) for m in plan.monitors],
        ]
    )


def catalog_differs(plan: CatalogPlan, shown: str) -> bool:
    return differs_from(shown, catalog_digest(plan))


def refusal(button: str = "Create", *, previewed: bool = True) -> str:
    """Why pressing `button` wrote nothing: no preview came with it, or it no longer matches."""
    if not previewed:
        return (
            f"{button} writes only what a preview showed, and this request came without one: "
            f"check the preview below and press {button} again."
        )
    return (
        f"What {button} would do differs from the preview you saw: check the preview below and "
        f"press {button} again."
    )


def differs_from(shown: str, digest_now: str) -> bool:
    """Whether the digest a preview carried is not the one its source makes now."""
    return not constant_time_compare(shown or "", digest_now)
