"""Editing an alert channel (Admins): name, kind and target; the target is write-only (blank
keeps it, a URL is never shown back); errors next to their fields; the test alert from the
same page; every change in the channel's history, which never holds the URL."""

from __future__ import annotations

import json

import pytest

from connectors.models import AlertChannel, Revision
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import make_channel

pytestmark = pytest.mark.django_db

SECRET_PATH = "/hooks/T000/B000/secretTOKEN8842"
NEW_PATH = "/hooks/T000/B000/otherTOKEN5511"


@pytest.fixture
def channel(upstream) -> AlertChannel:
    return make_channel("slack", upstream.url + SECRET_PATH, name="Ops Slack")


def edit(client, channel: AlertChannel, **changes: str):
    data = {"name": channel.name, "kind": channel.kind, "target": "", **changes}
    return client.post(f"/alert-channels/{channel.pk}/edit/", data)


def test_only_admins_edit_a_channel_or_read_its_history(bob, carol, channel) -> None:
    for user in (bob, carol):
        client = client_for(user)
        assert client.get(f"/alert-channels/{channel.pk}/edit/").status_code == 403
        assert edit(client, channel, name="Taken over").status_code == 403
        assert client.get(f"/alert-channels/{channel.pk}/history/").status_code == 403
    assert AlertChannel.objects.get().name == "Ops Slack"


def test_the_edit_page_never_shows_the_url_and_offers_a_test_alert(alice, channel) -> None:
    client = client_for(alice)
    listing = client.get("/alert-channels/").content.decode()
    assert f'href="/alert-channels/{channel.pk}/edit/"' in listing
    page = client.get(f"/alert-channels/{channel.pk}/edit/").content.decode()
    assert 'value="Ops Slack"' in page and "…8842" in page
    assert "secretTOKEN" not in page and "/hooks/" not in page
    assert "Leave blank to keep it." in page
    assert f'action="/alert-channels/{channel.pk}/test/"' in page
    assert "Send a test alert" in page
    assert f'href="/alert-channels/{channel.pk}/history/"' in page


def test_blank_keeps_the_url_and_a_new_one_replaces_it(alice, channel, upstream) -> None:
    client = client_for(alice)
    sealed = channel.url_sealed
    response = edit(client, channel, name="Ops alerts")
    assert response.status_code == 302 and response["Location"] == "/alert-channels/"
    channel.refresh_from_db()
    assert channel.name == "Ops alerts" and channel.url_sealed == sealed

    assert edit(client, channel, target=upstream.url + NEW_PATH).status_code == 302
    channel.refresh_from_db()
    assert sealing.unseal(channel.url_sealed) == upstream.url + NEW_PATH
    assert channel.url_hint.endswith("…5511")


def test_an_email_channel_keeps_its_address_when_left_blank(alice) -> None:
    channel = make_channel("email", "ops@example.com", name="Ops mail")
    page = client_for(alice).get(f"/alert-channels/{channel.pk}/edit/").content.decode()
    assert "ops@example.com" in page  # an address is no secret: the page says it
    assert edit(client_for(alice), channel, name="On-call mail").status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.address) == ("On-call mail", "ops@example.com")


def test_errors_are_next_to_their_fields_and_nothing_is_saved(alice, channel, upstream) -> None:
    make_channel("email", "x@example.com", name="Taken")
    client = client_for(alice)
    before = AlertChannel.objects.values().get(pk=channel.pk)
    revisions = Revision.objects.count()

    taken = edit(client, channel, name="Taken", target=upstream.url + NEW_PATH)
    page = taken.content.decode()
    assert taken.status_code == 400
    assert 'id="id_name_error"' in page and "A channel with this name already exists." in page
    assert "otherTOKEN" not in page and "5511" not in page  # the typed URL is not shown back

    refused = edit(client, channel, target="https://hooks.example.com\\@evil.example/otherTOKEN")
    assert (
        'id="id_target_error"' in refused.content.decode()
        and "backslash" in refused.content.decode()
    )
    assert "otherTOKEN" not in refused.content.decode()

    to_email = edit(client, channel, kind="email")
    assert 'id="id_target_error"' in to_email.content.decode()
    assert "Enter the email address alerts go to." in to_email.content.decode()

    bad_kind = edit(client, channel, kind="pager")
    assert bad_kind.status_code == 400 and 'id="id_kind_error"' in bad_kind.content.decode()

    assert AlertChannel.objects.values().get(pk=channel.pk) == before
    assert Revision.objects.count() == revisions


def test_every_change_is_in_the_channels_history_without_its_url(alice, channel, upstream) -> None:
    client = client_for(alice)
    client.post(
        "/alert-channels/",
        {"name": "Hook", "kind": "webhook", "target": upstream.url + SECRET_PATH},
    )
    hook = AlertChannel.objects.get(name="Hook")
    edit(client, hook, target=upstream.url + NEW_PATH)
    edit(client, hook, name="Renamed hook")
    client.post(f"/alert-channels/{hook.pk}/delete/")
    found = list(Revision.objects.filter(kind="channel", object_id=hook.pk))
    assert [(r.event, r.version, r.user) for r in found] == [
        ("deleted", 4, alice),
        ("changed", 3, alice),
        ("changed", 2, alice),
        ("created", 1, alice),
    ]
    page = client.get(f"/alert-channels/{hook.pk}/history/").content.decode()
    assert "History of alert channel Renamed hook" in page
    assert "<td>Target URL</td>" in page
    assert "<td><em>set</em></td><td><em>changed</em></td>" in page
    assert '<pre class="diff-new">Renamed hook</pre>' in page
    details = [client.get(f"/history/{r.pk}/").content.decode() for r in found]
    for text in [page, *details, json.dumps([r.snapshot for r in found])]:
        for secret in ("secretTOKEN", "otherTOKEN", "/hooks/", "gAAAAA"):
            assert secret not in text
    assert all(">Restore" not in text and "Undo the deletion" not in text for text in details)
