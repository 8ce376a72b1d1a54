"""The hand-off between Preview and Create: a staged source, sealed, and a keyed digest."""

from __future__ import annotations

import json

from django.core.cache import cache

from connectors.importing import staging
from connectors.importing.plan import ActionPlan, ConnectorPlan, Plan
from connectors.importing.sources import Source

CANARY = b"canary-staged-source-4b7d"


def a_plan(**changes: str) -> Plan:
    action = ActionPlan(name="list_pets", path="/pets")
    for key, value in changes.items():
        setattr(action, key, value)
    return Plan(
        kind="cURL", source="pasted", connector=ConnectorPlan(name="pets"), actions=[action]
    )


def test_a_source_comes_back_only_to_the_user_who_staged_it() -> None:
    token = staging.stage(Source("pasted text", b"openapi: 3.1.0 " + CANARY), 7)

    assert staging.staged(token, 7) == Source("pasted text", b"openapi: 3.1.0 " + CANARY)
    assert staging.staged(token, 8) is None
    staging.drop(token)
    assert staging.staged(token, 7) is None


def test_a_staged_source_is_sealed_at_rest_and_a_forged_entry_is_refused() -> None:
    token = staging.stage(Source("pasted text", CANARY), 7)
    entry = cache.get(staging._key(token))
    assert CANARY.decode() not in json.dumps(entry)

    cache.set(staging._key(token), entry | {"sealed": "not-a-fernet-token"})
    assert staging.staged(token, 7) is None


def test_the_digest_changes_with_what_the_plan_would_do_and_is_keyed(settings) -> None:
    shown = staging.digest(a_plan())

    assert not staging.differs(a_plan(), shown)
    assert staging.differs(a_plan(path="/pets/{id}"), shown)
    assert staging.differs(a_plan(status="conflict"), shown)
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert staging.differs(a_plan(), shown)
