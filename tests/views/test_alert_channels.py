"""The Alert channels page: Admins only; field errors; a URL never shown; a test alert inline."""

from __future__ import annotations

import json

import pytest

from connectors.models import AlertChannel
from tests.conftest import client_for
from tests.helpers.factories import make_channel
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db

SECRET_PATH = "/hooks/T000/B000/secretTOKEN8842"


@pytest.fixture
def channel(upstream) -> AlertChannel:
    return make_channel("slack", upstream.url + SECRET_PATH, name="Ops Slack")


def test_developers_and_viewers_get_403_everywhere(bob, carol, channel) -> None:
    for user in (bob, carol):
        client = client_for(user)
        assert client.get("/alert-channels/").status_code == 403
        post = {"name": "x", "kind": "email", "target": "x@example.com"}
        assert client.post("/alert-channels/", post).status_code == 403
        assert client.post(f"/alert-channels/{channel.pk}/test/").status_code == 403
        assert client.post(f"/alert-channels/{channel.pk}/delete/").status_code == 403
        assert b"Alert channels" not in client.get("/").content  # no link in the top bar
    assert AlertChannel.objects.count() == 1


def test_an_admin_creates_a_channel_and_sees_only_its_hint(alice, upstream) -> None:
    client = client_for(alice)
    assert b'href="/alert-channels/">Alert channels</a>' in client.get("/").content
    target = upstream.url + SECRET_PATH
    response = client.post(
        "/alert-channels/", {"name": "Ops Slack", "kind": "slack", "target": target}, follow=True
    )
    assert response.redirect_chain == [("/alert-channels/", 302)]
    page = response.content.decode()
    assert "Created alert channel Ops Slack." in page
    assert "127.0.0.1:" in page and "…8842" in page
    assert "secretTOKEN" not in page
    assert AlertChannel.objects.get().created_by == alice


def test_a_refused_url_is_an_error_next_to_the_field_and_is_not_shown_back(alice) -> None:
    target = "https://hooks.example.com\\@evil.example/secretTOKEN8842"
    response = client_for(alice).post(
        "/alert-channels/", {"name": "Ops", "kind": "webhook", "target": target}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_target_error"' in page and "backslash" in page
    assert "secretTOKEN" not in page
    assert not AlertChannel.objects.exists()


def test_a_private_address_is_an_error_next_to_the_field(alice, settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    response = client_for(alice).post(
        "/alert-channels/",
        {"name": "Ops", "kind": "webhook", "target": "http://127.0.0.1:9/hook"},
    )
    assert response.status_code == 400
    assert "a loopback address" in response.context["form"].errors["target"][0]


def test_an_email_address_with_an_error_is_shown_back(alice) -> None:
    response = client_for(alice).post(
        "/alert-channels/", {"name": "", "kind": "email", "target": "oncall@example.com"}
    )
    assert response.status_code == 400
    assert b'value="oncall@example.com"' in response.content
    assert response.context["form"].errors["name"] == ["This field is required."]


def test_send_a_test_alert_shows_the_status_inline(alice, channel, upstream) -> None:
    client = client_for(alice)
    response = client.post(f"/alert-channels/{channel.pk}/test/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip() == (
        '<p class="badge pass">Test alert delivered: 200 OK: {}</p>'
    )
    assert json.loads(upstream.last.body)["text"].startswith("Test alert from Connector Studio")
    # Without JavaScript: the whole page, the result under the channel.
    page = client.post(f"/alert-channels/{channel.pk}/test/").content.decode()
    assert "Test alert delivered: 200 OK" in page and "secretTOKEN" not in page


def test_a_failed_test_alert_is_the_plain_sentence(alice, channel, upstream) -> None:
    upstream.reply = Reply(
        status=403, headers={"Content-Type": "text/plain"}, body=b"invalid_token"
    )
    response = client_for(alice).post(f"/alert-channels/{channel.pk}/test/", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Test alert not delivered: The receiver answered 403 Forbidden (invalid_token)" in text
    assert "secretTOKEN" not in text


def test_the_page_says_when_no_mail_server_is_set(alice, settings) -> None:
    client = client_for(alice)
    assert b"No mail server is set" in client.get("/alert-channels/").content
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert b"No mail server is set" not in client.get("/alert-channels/").content


def test_an_admin_deletes_a_channel(alice, channel) -> None:
    response = client_for(alice).post(f"/alert-channels/{channel.pk}/delete/", follow=True)
    assert b"Deleted alert channel Ops Slack." in response.content
    assert not AlertChannel.objects.exists()


def test_delete_and_test_take_post_only(alice, channel) -> None:
    client = client_for(alice)
    assert client.get(f"/alert-channels/{channel.pk}/delete/").status_code == 405
    assert client.get(f"/alert-channels/{channel.pk}/test/").status_code == 405
    assert client.post("/alert-channels/999/test/").status_code == 404
