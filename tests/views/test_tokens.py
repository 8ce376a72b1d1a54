from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import ApiToken
from connectors.secrets import tokens
from tests.conftest import client_for
from tests.helpers.api import ApiClient

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'id="new-token"[^>]*value="(cst_[A-Za-z0-9_-]+)"')


def _create(client, name: str = "CI", days: str = "30") -> str:
    page = client.post("/account/tokens/", {"name": name, "days": days}).content.decode()
    found = TOKEN_RE.search(page)
    assert found, page
    return found.group(1)


def test_it_shows_a_new_token_once_and_keeps_only_its_digest_and_hint(carol) -> None:
    client = client_for(carol)
    token = _create(client)
    record = ApiToken.objects.get()
    assert record.user == carol and record.name == "CI"
    assert record.digest == hashlib.sha256(token.encode()).hexdigest()
    assert record.hint == token[-4:]
    assert token not in str(ApiToken.objects.values().get())
    again = client.get("/account/tokens/").content.decode()
    assert token not in again
    assert f"••••{token[-4:]}" in again
    # A Viewer's token reads.
    assert ApiClient(token=token).get("/connectors").status_code == 200


def test_the_page_with_the_token_is_never_cached(carol) -> None:
    answer = client_for(carol).post("/account/tokens/", {"name": "CI", "days": "7"})
    assert "no-store" in answer["Cache-Control"]


def test_it_sets_the_chosen_expiry(carol) -> None:
    client = client_for(carol)
    _create(client, "week", "7")
    _create(client, "forever", "0")
    week = ApiToken.objects.get(name="week")
    assert timedelta(days=7) - (week.expires_at - timezone.now()) < timedelta(minutes=1)
    assert ApiToken.objects.get(name="forever").expires_at is None
    assert "Never" in client.get("/account/tokens/").content.decode()


def test_a_bad_form_says_what_is_wrong_next_to_the_field(carol) -> None:
    page = client_for(carol).post("/account/tokens/", {"name": " ", "days": "12"})
    text = page.content.decode()
    assert "Enter a name" in text and "Select a valid choice" in text
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_token_and_it_stops_working(carol) -> None:
    client = client_for(carol)
    token = _create(client)
    record = ApiToken.objects.get()
    answer = client.post(f"/account/tokens/{record.pk}/revoke/", follow=True)
    assert "Revoked the token CI" in answer.content.decode()
    assert not ApiToken.objects.exists()
    assert ApiClient(token=token).get("/connectors").status_code == 401


def test_others_tokens_are_hidden_and_cannot_be_revoked_but_by_an_admin(alice, bob, carol) -> None:
    record, _ = tokens.issue(carol, "carols-ci", 30)
    page = client_for(bob).get("/account/tokens/").content.decode()
    assert "carols-ci" not in page
    assert client_for(bob).post(f"/account/tokens/{record.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=record.pk).exists()
    admin_page = client_for(alice).get("/account/tokens/").content.decode()
    assert "Everyone's tokens" in admin_page
    assert "carols-ci" in admin_page and "carol" in admin_page
    answer = client_for(alice).post(f"/account/tokens/{record.pk}/revoke/", follow=True)
    assert "Revoked the token carols-ci of carol" in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_listed_as_expired(carol) -> None:
    record, _ = tokens.issue(carol, "old", 1)
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert "Expired" in client_for(carol).get("/account/tokens/").content.decode()
