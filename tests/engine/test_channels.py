"""Alert channels as the service writes them: checked, the URL sealed with its home."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from connectors.engine import channels
from connectors.models import AlertChannel
from connectors.secrets import sealing
from tests.helpers.factories import make_channel

pytestmark = pytest.mark.django_db

SLACK = "https://hooks.slack.com/services/T000/B000/abcdEFGH1234wxyz"


def refused(**values: str) -> dict[str, list[str]]:
    values = {"name": "Ops", "kind": "webhook", "target": "", **values}
    before = AlertChannel.objects.count()
    with pytest.raises(ValidationError) as caught:
        channels.create_channel(**values)
    assert AlertChannel.objects.count() == before  # never half saved
    return caught.value.message_dict


def test_it_keeps_a_webhook_url_sealed_with_its_hint_and_home() -> None:
    channel = channels.create_channel(name="Ops Slack", kind="slack", target=SLACK)
    assert SLACK not in str(channel.__dict__)
    assert sealing.unseal(channel.url_sealed) == SLACK
    assert channel.url_hint == "hooks.slack.com …wxyz"
    assert channel.target_hint == "hooks.slack.com …wxyz"
    assert channel.url_home == "https://hooks.slack.com:443"
    assert channel.address == ""


def test_it_keeps_an_email_address_plain() -> None:
    channel = make_channel("email", "oncall@example.com")
    assert channel.target_hint == "oncall@example.com" and channel.url_sealed == ""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://hooks.example.com\\@evil.example/x", "backslash"),
        ("https://user:pass@hooks.example.com/x", "“@” before its host"),
        ("ftp://hooks.example.com/x", "starting with http:// or https://"),
        ("https://hooks.example.com/{{TOKEN}}", "{{...}}"),
        ("https://0x7f.1/hook", "in a form parsers read differently"),
        ("https://hooks.example.com/x#frag", "fragment"),
    ],
)
def test_a_url_parsers_could_read_differently_is_a_field_error(target: str, expected: str) -> None:
    errors = refused(target=target)
    assert list(errors) == ["target"]
    assert expected in errors["target"][0]
    assert target not in errors["target"][0]


def test_a_url_to_a_private_address_is_refused_at_save_unless_allowed(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    errors = refused(target="http://10.1.2.3:8080/hooks/SECRETPATH1234")
    assert "a private address" in errors["target"][0]
    assert "STUDIO_OUTBOUND_ALLOW" in errors["target"][0]
    assert "this channel" in errors["target"][0]
    assert "SECRETPATH1234" not in errors["target"][0]
    settings.STUDIO_OUTBOUND_ALLOW = ["10.0.0.0/8"]
    assert make_channel("webhook", "http://10.1.2.3:8080/hooks/SECRETPATH1234").pk


def test_an_email_channel_needs_an_address() -> None:
    assert refused(kind="email", target="not-an-address")["target"] == [
        "Enter an email address, such as ops@example.com."
    ]
    assert refused(kind="email")["target"] == ["Enter the email address alerts go to."]


def test_names_are_needed_and_unique() -> None:
    make_channel("email", "a@example.com", name="Ops")
    errors = refused(name="Ops", kind="email", target="b@example.com")
    assert errors["name"] == ["A channel with this name already exists."]
    assert refused(name=" ", kind="email", target="b@example.com")["name"] == ["Enter a name."]
    assert refused(kind="pager")["kind"][0].startswith("Choose one of")


def test_saving_again_with_a_blank_target_keeps_the_url() -> None:
    channel = channels.create_channel(name="Ops", kind="slack", target=SLACK)
    sealed = channel.url_sealed
    channels.save_channel(channel, name="Ops Slack", kind="slack", target="")
    channel.refresh_from_db()
    assert channel.name == "Ops Slack" and channel.url_sealed == sealed


def test_switching_to_email_clears_the_url() -> None:
    channel = channels.create_channel(name="Ops", kind="slack", target=SLACK)
    channels.save_channel(channel, name="Ops", kind="email", target="ops@example.com")
    channel.refresh_from_db()
    assert channel.url_sealed == channel.url_hint == channel.url_home == ""


def test_the_test_alert_links_to_the_channels_page(upstream, settings) -> None:
    settings.STUDIO_BASE_URL = "https://studio.example.com"
    channel = make_channel("webhook", f"{upstream.url}/hook")
    delivery = channels.test_channel(channel)
    assert delivery.ok
    body = upstream.last.body.decode()
    assert '"state": "test"' in body
    assert "https://studio.example.com/alert-channels/" in body
