"""Every value a page carries sealed has a scope (user, purpose, field, an hour) and is refused
anywhere else, with a sentence next to the field and nothing else the person typed lost."""

from __future__ import annotations

import time

import pytest

from connectors.models import Action, Connector, Credential
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.views.test_importing_api import form_of
from tests.views.test_importing_api import preview as api_preview
from tests.views.test_importing_curl import preview as curl_preview

KEY = "sk-sealed-canary-3c5e7a9b1d2f"
COMMAND = f'curl https://api.example.com/v1/items -H "Authorization: Bearer {KEY}"'
BOBS = sealing.Scope(2, "Import cURL", "command")


def test_it_gives_back_what_was_sealed_for_the_same_scope() -> None:
    assert sealing.unseal_for(sealing.seal_for(KEY, BOBS), BOBS) == KEY


@pytest.mark.parametrize(
    ("elsewhere", "said"),
    [
        (sealing.Scope(1, "Import cURL", "command"), "typed by another user"),
        (sealing.Scope(2, "Import API", "command"), "typed for Import cURL, not Import API"),
        (sealing.Scope(2, "Import cURL", "secret-api_key"), "typed into another field"),
    ],
)
def test_it_refuses_another_user_purpose_or_field(elsewhere: sealing.Scope, said: str) -> None:
    with pytest.raises(sealing.SealRefused) as refused:
        sealing.unseal_for(sealing.seal_for(KEY, BOBS), elsewhere)
    assert said in refused.value.message and KEY not in refused.value.message


def test_it_refuses_a_value_after_an_hour(monkeypatch) -> None:
    sealed = sealing.seal_for(KEY, BOBS)
    later = time.time() + sealing.CARRIED_MAX_AGE_SECONDS + 1
    monkeypatch.setattr(sealing.time, "time", lambda: later)
    with pytest.raises(sealing.SealRefused, match="has expired"):
        sealing.unseal_for(sealed, BOBS)


def test_it_refuses_a_token_sealed_without_a_scope() -> None:
    with pytest.raises(sealing.SealRefused, match="could not be read"):
        sealing.unseal_for(sealing.seal(KEY), BOBS)  # the key's token, as stored at rest
    with pytest.raises(sealing.SealRefused, match="could not be read"):
        sealing.unseal_for("not-a-token", BOBS)


# --- in the pages --------------------------------------------------------------------------------


def bobs_curl_preview(bob) -> dict[str, str]:
    """The cURL form as bob's browser holds it after Preview: the command masked, the original
    sealed in a hidden field."""
    previewed = curl_preview(client_for(bob), COMMAND, connector_name="mine", action_name="items")
    data = previewed.context["form"].data.copy()
    assert data["sealed"] and KEY not in data["command"]
    return data


def nothing_saved() -> bool:
    return not (
        Connector.objects.exists() or Action.objects.exists() or Credential.objects.exists()
    )


def test_bobs_sealed_command_is_refused_in_alices_curl_import(bob, alice) -> None:
    data = bobs_curl_preview(bob)
    data.pop("preview", None)
    response = client_for(alice).post("/import-curl/", data | {"create": "1"})
    html = response.content.decode()
    assert "typed by another user, not you" in html
    assert 'id="id_command_error"' in html
    assert KEY not in html
    form = response.context["form"]
    assert (form.data["connector_name"], form.data["action_name"]) == ("mine", "items")
    assert nothing_saved()


def test_bobs_sealed_command_is_refused_after_an_hour(bob, monkeypatch) -> None:
    data = bobs_curl_preview(bob)
    data.pop("preview", None)
    later = time.time() + sealing.CARRIED_MAX_AGE_SECONDS + 1
    monkeypatch.setattr(sealing.time, "time", lambda: later)
    response = client_for(bob).post("/import-curl/", data | {"create": "1"})
    assert "has expired" in response.content.decode()
    assert response.context["form"].data["action_name"] == "items"
    assert nothing_saved()


def test_bobs_curl_seal_is_refused_in_import_api(bob) -> None:
    sealed = bobs_curl_preview(bob)["sealed"]
    client = client_for(bob)
    first = api_preview(client, "petstore-3.0.yaml")
    data = form_of(first) | {"preview": "1", "sealed-secret-api_key": sealed}
    again = client.post("/import-api/", data | {"setting-username": "kept"})
    html = again.content.decode()
    assert "typed for Import cURL, not Import API" in html
    assert 'id="secret-api_key-error"' in html
    assert KEY not in html
    assert 'name="sealed-secret-api_key"' not in html  # refused, so not carried on


def test_a_value_sealed_for_one_field_is_refused_in_another(bob) -> None:
    client = client_for(bob)
    first = api_preview(client, "swagger-2.0.json")
    typed = client.post(
        "/import-api/",
        form_of(first) | {"preview": "1", "secret-password": KEY, "setting-username": "me"},
    )
    data = form_of(typed)
    sealed = data.pop("sealed-secret-password")
    data["sealed-credential-NOTES_API_PASSWORD"] = sealed  # moved to another field
    data["sealed-secret-password"] = sealed
    response = client.post("/import-api/", data | {"preview": "1"})
    html = response.content.decode()
    assert "typed into another field" in html
    assert KEY not in html
    # The password itself is still kept for the next try: nothing else typed is lost.
    assert 'name="sealed-secret-password"' in html
    assert nothing_saved()


def test_import_api_create_refuses_a_foreign_seal_and_saves_nothing(bob) -> None:
    sealed = bobs_curl_preview(bob)["sealed"]
    client = client_for(bob)
    data = form_of(api_preview(client, "petstore-3.0.yaml")) | {"sealed-secret-api_key": sealed}
    response = client.post("/import-api/", data | {"create": "1"})
    assert response.status_code == 400
    assert "typed for Import cURL, not Import API" in response.content.decode()
    assert nothing_saved()
