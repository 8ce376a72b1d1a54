"""send_alert: each kind of channel, against real local receivers (HTTP and SMTP)."""

from __future__ import annotations

import json
import time

import pytest
from django.core import mail

from connectors.engine import alerts
from connectors.engine.alerts import Alert, CheckDetail, FailingAction
from connectors.models import AlertChannel
from connectors.secrets import sealing
from tests.helpers.factories import make_channel
from tests.helpers.smtp import SMTPSink
from tests.helpers.upstream import Reply, Upstream

pytestmark = pytest.mark.django_db

FAILING = Alert(
    monitor="OpenAI models",
    state="failing",
    failing=(
        FailingAction(
            connector="OpenAI",
            action="list_models",
            run_url="http://127.0.0.1:8000/connectors/OpenAI/actions/list_models/?run=7",
            checks=(
                CheckDetail("status is 200", False, "got 503 Service Unavailable"),
                CheckDetail("time under 2000 ms", True, "812 ms"),
            ),
        ),
    ),
    links={"monitor": "http://127.0.0.1:8000/monitors/3/"},
)


def received_json(upstream: Upstream) -> dict:
    assert upstream.last.method == "POST"
    assert upstream.last.headers["content-type"] == "application/json"
    return json.loads(upstream.last.body)


def test_it_posts_the_generic_json_to_a_webhook(upstream) -> None:
    channel = make_channel("webhook", f"{upstream.url}/hooks/studio?token=abcd1234")
    delivery = alerts.send_alert(channel, FAILING)
    assert delivery.ok and delivery.status == 200 and delivery.summary.startswith("200 OK")
    assert upstream.last.path == "/hooks/studio?token=abcd1234"
    got = received_json(upstream)
    assert got["monitor"] == "OpenAI models"
    assert got["state"] == "failing"
    assert got["links"] == {"monitor": "http://127.0.0.1:8000/monitors/3/"}
    [failing] = got["failing"]
    assert failing["connector"] == "OpenAI" and failing["action"] == "list_models"
    assert failing["run_url"].endswith("?run=7")
    assert failing["checks"][0] == {
        "check": "status is 200",
        "passed": False,
        "detail": "got 503 Service Unavailable",
    }


def test_it_posts_a_slack_message_with_text_and_blocks(upstream) -> None:
    channel = make_channel("slack", f"{upstream.url}/services/T000/B000/XXXXXXXXXXXX")
    assert alerts.send_alert(channel, FAILING).ok
    got = received_json(upstream)
    assert got["text"] == "OpenAI models is failing: 1 action failing."
    kinds = [block["type"] for block in got["blocks"]]
    assert kinds == ["header", "section", "context"]
    section = got["blocks"][1]["text"]["text"]
    assert "*OpenAI.list_models*" in section
    assert "status is 200: got 503 Service Unavailable" in section
    assert "time under" not in section  # only the failing checks
    assert "<http://127.0.0.1:8000/monitors/3/|Open the monitor>" in json.dumps(got["blocks"])


def test_it_posts_a_teams_adaptive_card(upstream) -> None:
    channel = make_channel("teams", f"{upstream.url}/workflows/abc/triggers/manual/run")
    assert alerts.send_alert(channel, FAILING).ok
    got = received_json(upstream)
    assert got["type"] == "message"
    [attachment] = got["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == "OpenAI models is failing: 1 action failing."
    facts = card["body"][2]["facts"]
    assert {"title": "status is 200", "value": "got 503 Service Unavailable"} in facts
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open the monitor",
            "url": "http://127.0.0.1:8000/monitors/3/",
        }
    ]


@pytest.fixture
def mailer(settings) -> None:
    """A site with a mailer (EMAIL_URL), kept in Django's test outbox."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_it_emails_through_the_mail_backend(mailer) -> None:
    channel = make_channel("email", "oncall@example.com")
    recovered = Alert(monitor="OpenAI models", state="recovered", links=FAILING.links)
    delivery = alerts.send_alert(channel, recovered)
    assert delivery.ok and delivery.summary == "emailed to oncall@example.com"
    [message] = mail.outbox
    assert message.to == ["oncall@example.com"]
    assert message.subject == "[Connector Studio] OpenAI models has recovered"
    assert "Open the monitor: http://127.0.0.1:8000/monitors/3/" in message.body


def test_it_emails_a_real_smtp_server_on_this_machine(settings) -> None:
    with SMTPSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        channel = make_channel("email", "oncall@example.com")
        delivery = alerts.send_alert(channel, FAILING)
        assert delivery.ok, delivery.error
        for _ in range(50):  # the server hands the message to its handler on its own thread
            if sink.messages:
                break
            time.sleep(0.05)
    [(recipients, message)] = sink.messages
    assert recipients == ["oncall@example.com"]
    assert message["Subject"] == "[Connector Studio] OpenAI models is failing"
    text = message.get_payload(decode=True).decode()
    assert "OpenAI.list_models" in text
    assert "- status is 200: got 503 Service Unavailable" in text


def test_without_a_mail_server_an_email_alert_says_to_set_email_url() -> None:
    delivery = alerts.send_alert(make_channel("email", "oncall@example.com"), FAILING)
    assert not delivery.ok and delivery.error.startswith("No mail server is set: set EMAIL_URL")
    assert mail.outbox == []


def test_a_mail_server_that_is_not_there_is_a_sentence(settings) -> None:
    with SMTPSink() as sink:
        mailer = sink.mailer()
    settings.MAILERS = {"default": mailer}  # stopped: nothing listens there now
    delivery = alerts.send_alert(make_channel("email", "oncall@example.com"), FAILING)
    assert not delivery.ok
    assert delivery.error.startswith("Could not reach the mail server")
    assert "EMAIL_URL" in delivery.error


def test_a_receiver_that_says_no_is_a_sentence_without_the_url(upstream) -> None:
    upstream.reply = Reply(status=404, headers={"Content-Type": "text/plain"}, body=b"no_service")
    channel = make_channel("slack", f"{upstream.url}/services/T000/B000/SECRETTOKEN99")
    delivery = alerts.send_alert(channel, FAILING)
    assert not delivery.ok and delivery.status == 404
    assert delivery.error == (
        "The receiver answered 404 Not Found (no_service): the alert was not accepted."
    )


def test_a_redirect_is_not_followed(upstream) -> None:
    upstream.reply = Reply(status=302, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    channel = make_channel("webhook", f"{upstream.url}/hook")
    delivery = alerts.send_alert(channel, FAILING)
    assert not delivery.ok and delivery.status == 302
    assert len(upstream.received) == 1


def test_a_private_address_is_refused_at_send_when_no_longer_allowed(upstream, settings) -> None:
    channel = make_channel("webhook", f"{upstream.url}/hooks/SECRETPATH123")
    settings.STUDIO_OUTBOUND_ALLOW = []
    delivery = alerts.send_alert(channel, FAILING)
    assert not delivery.ok and delivery.error_kind == "Blocked"
    assert "loopback" in delivery.error and "STUDIO_OUTBOUND_ALLOW" in delivery.error
    assert "SECRETPATH123" not in delivery.error
    assert upstream.received == []


def test_a_url_moved_away_from_its_home_is_not_used(upstream) -> None:
    channel = make_channel("webhook", f"{upstream.url}/hook")
    with Upstream() as other:
        # Stored by a route that did not stamp its home again (a raw write, a restore).
        AlertChannel.objects.filter(pk=channel.pk).update(
            url_sealed=sealing.seal(f"{other.url}/hook")
        )
        channel.refresh_from_db()
        delivery = alerts.send_alert(channel, FAILING)
        assert not delivery.ok and delivery.error_kind == "Refused"
        assert "the host it was entered for" in delivery.error
        assert other.received == [] and upstream.received == []


def test_a_receiver_slower_than_the_time_limit_is_a_sentence(upstream, settings) -> None:
    settings.STUDIO_ALERT_TIMEOUT_SECONDS = 1
    upstream.raw = lambda sock, got: time.sleep(3)  # answers nothing in time
    delivery = alerts.send_alert(make_channel("webhook", f"{upstream.url}/slow"), FAILING)
    assert not delivery.ok and delivery.error_kind == "Deadline"
    assert "the alerts' 1 s timeout" in delivery.error


def test_a_secret_decrypted_in_this_context_never_leaves_in_an_alert(upstream) -> None:
    secret = "sk-in-play-5e1f9a3c7b"
    leaky = Alert(
        monitor="M",
        state="failing",
        failing=(
            FailingAction("C", "a", "http://127.0.0.1:8000/r", error=f"echoed {secret} back"),
        ),
    )
    channel = make_channel("webhook", f"{upstream.url}/hook")
    with sealing.collecting_in_play():
        sealing.unseal(sealing.seal(secret))  # as a monitor's run resolves a credential
        assert alerts.send_alert(channel, leaky).ok
    assert secret not in upstream.last.body.decode()
    assert "echoed ••••" in json.loads(upstream.last.body)["failing"][0]["error"]


def test_an_alert_lists_at_most_twenty_failing_actions(upstream) -> None:
    many = Alert(
        monitor="M",
        state="failing",
        failing=tuple(FailingAction("C", f"a{n}", f"http://x/{n}") for n in range(25)),
    )
    assert alerts.send_alert(make_channel("webhook", f"{upstream.url}/hook"), many).ok
    got = received_json(upstream)
    assert len(got["failing"]) == 20 and got["more_failing"] == 5


def test_an_alert_state_is_one_of_three() -> None:
    with pytest.raises(ValueError, match="failing, recovered, test"):
        Alert(monitor="M", state="down")


def test_links_are_built_from_the_base_url(settings) -> None:
    settings.STUDIO_BASE_URL = "https://studio.example.com/"
    assert alerts.absolute("/monitors/3/") == "https://studio.example.com/monitors/3/"
