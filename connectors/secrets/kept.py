"""Secrets typed into a form that failed validation: kept server-side, never shown again.

Sealed with the studio's key for this user, this form and this field (sealing.seal_for), stored
in the session under the form they were typed into, used when the same form is posted again
with the field left blank, and dropped after the save or after an hour. The page only says
"kept, not shown".
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.http import HttpRequest, QueryDict
from django.views.decorators.debug import sensitive_variables

from connectors.secrets import sealing

SESSION_KEY = "studio-kept-secrets"
MAX_AGE_SECONDS = 3600
HEADER = "headers:"  # a secret header row is kept under its key: "headers:x-api-key"


def _fresh(request: HttpRequest) -> dict[str, dict[str, dict]]:
    now = time.time()
    store = getattr(request, "session", {}).get(SESSION_KEY, {})
    return {
        form: kept
        for form, entries in store.items()
        if (kept := {n: e for n, e in entries.items() if now - e["at"] < MAX_AGE_SECONDS})
    }


@sensitive_variables("values", "value")
def keep(request: HttpRequest, form_key: str, values: dict[str, str]) -> set[str]:
    """Seal and keep these typed values; returns every name now kept for the form."""
    if not hasattr(request, "session"):
        return set()
    store = _fresh(request)
    entries = store.setdefault(form_key, {})
    for name, value in values.items():
        sealed = sealing.seal_for(value, _scope(request, form_key, name))
        entries[name] = {"sealed": sealed, "at": time.time()}
    if not entries:
        store.pop(form_key)
    request.session[SESSION_KEY] = store
    return set(entries)


@sensitive_variables("kept")
def fill(request: HttpRequest, form_key: str, data: QueryDict) -> QueryDict:
    """The posted data with each blank secret field filled from what was kept for it."""
    kept = _fresh(request).get(form_key, {})
    if not kept:
        return data
    data = data.copy()
    for name, entry in kept.items():
        try:
            value = sealing.unseal_for(entry["sealed"], _scope(request, form_key, name))
        except sealing.SealRefused:
            continue  # not this user's, or from before scopes: the field asks for it again
        if name.startswith(HEADER):
            _fill_header(data, name.removeprefix(HEADER), value)
        elif not (data.get(name) or data.get(f"{name}_clear")) and _typed_mode(data, name):
            data[name] = value
    return data


def _scope(request: HttpRequest, form_key: str, name: str) -> sealing.Scope:
    return sealing.Scope(getattr(request.user, "pk", None), f"the form {form_key}", name)


def _typed_mode(data: QueryDict, name: str) -> bool:
    """True unless the field's "Team credential" choice is picked (a name, not a secret)."""
    return data.get(f"{name}_mode", "value") == "value"


@sensitive_variables("value")
def _fill_header(data: QueryDict, key: str, value: str) -> None:
    keys, values = data.getlist("headers_key"), data.getlist("headers_value")
    kinds = data.getlist("headers_kind")
    for index, row_key in enumerate(keys):
        kind = kinds[index] if index < len(kinds) else "plain"
        if row_key.strip().lower() == key and kind == "secret" and not values[index]:
            values[index] = value
    data.setlist("headers_value", values)


@sensitive_variables("data")
def typed(data: QueryDict, names: Iterable[str]) -> dict[str, str]:
    """The secret values typed (not references, not blanks) among these fields and rows."""
    found = {name: data[name] for name in names if data.get(name) and _typed_mode(data, name)}
    keys, values = data.getlist("headers_key"), data.getlist("headers_value")
    kinds = data.getlist("headers_kind")
    for index, key in enumerate(keys):
        kind = kinds[index] if index < len(kinds) else "plain"
        if kind == "secret" and key.strip() and index < len(values) and values[index]:
            found[HEADER + key.strip().lower()] = values[index]
    return found


def drop(request: HttpRequest, form_key: str) -> None:
    if not hasattr(request, "session"):
        return
    store = _fresh(request)
    if store.pop(form_key, None) is not None or SESSION_KEY in request.session:
        request.session[SESSION_KEY] = store
