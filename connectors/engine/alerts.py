"""Alerts to channels: one call, send_alert(channel, alert), for every kind of channel.

An email goes through Django's mail backend (EMAIL_URL); a webhook (generic JSON, Slack- or
Teams-style) goes through the one network door, with its guard, parser and limits, to the
channel's URL once its home admits it. An alert holds masked run data only; before it leaves,
every secret decrypted in this context (sealing.in_play: a monitor's runs, the channel's own
URL) is masked out of it once more, in every encoding, so none can travel by mistake.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage

from connectors.lib.outbound import door, messages
from connectors.models import AlertChannel
from connectors.secrets import channel_urls, sealing

logger = logging.getLogger(__name__)

STATES = ("failing", "recovered", "test")
MAX_LISTED_ACTIONS = 20  # an alert names at most this many failing actions, then "and N more"
MAX_LISTED_CHECKS = 10
MAX_DETAIL_CHARS = 500
RESPONSE_BYTES = 64 * 1024  # what we read of a receiver's answer
USER_AGENT = "Connector Studio alerts"


@dataclass(frozen=True)
class CheckDetail:
    """One check of a run: what was checked, whether it held, and what was found (masked)."""

    check: str  # "status is 200"
    passed: bool
    detail: str = ""  # "got 503 Service Unavailable"


@dataclass(frozen=True)
class FailingAction:
    connector: str
    action: str
    run_url: str  # absolute: see absolute()
    checks: tuple[CheckDetail, ...] = ()
    error: str = ""  # the run's error sentence when it failed before any check (masked)


@dataclass(frozen=True)
class Alert:
    """What a monitor tells its channels: its state, and when failing, what fails and why."""

    monitor: str
    state: str  # "failing", "recovered" or "test"
    failing: tuple[FailingAction, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)  # {"monitor": absolute URL}

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"An alert's state is one of {', '.join(STATES)}, not {self.state}.")


@dataclass(frozen=True)
class Delivery:
    """How a send went: the receiver's status, or a plain sentence saying what failed."""

    ok: bool
    status: int | None = None
    reason: str = ""
    error: str = ""  # never holds the channel URL
    error_kind: str = ""
    elapsed_ms: float | None = None
    note: str = ""  # what the receiver said, shortened and masked, or where the email went

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        said = f"{self.status} {self.reason}".strip() if self.status else ""
        return ": ".join(part for part in (said, self.note) if part)


def absolute(path: str) -> str:
    """A link in an alert: the path under STUDIO_BASE_URL, the address people open."""
    return settings.STUDIO_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def send_alert(channel: AlertChannel, alert: Alert) -> Delivery:
    """Send the alert to the channel; every failure comes back as a Delivery, never raised."""
    if channel.kind == AlertChannel.Kind.EMAIL:
        delivery = _send_email(channel, alert)
    else:
        delivery = _send_webhook(channel, alert)
    logger.info(
        "Alert %s for %s to channel %s (%s): %s",
        alert.state,
        alert.monitor,
        channel.name,
        channel.target_hint,
        delivery.summary,
    )
    return delivery


# --- what an alert says ------------------------------------------------------------------------


def headline(alert: Alert) -> str:
    if alert.state == "test":
        return f"Test alert from Connector Studio for {alert.monitor}: alerts reach this channel."
    if alert.state == "recovered":
        return f"{alert.monitor} has recovered: its actions pass again."
    count = len(alert.failing)
    return f"{alert.monitor} is failing: {count} action{'s' if count != 1 else ''} failing."


def _listed(alert: Alert) -> tuple[list[FailingAction], int]:
    shown = list(alert.failing[:MAX_LISTED_ACTIONS])
    return shown, len(alert.failing) - len(shown)


def _short(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def _failed_checks(action: FailingAction) -> list[CheckDetail]:
    failed = [check for check in action.checks if not check.passed]
    return failed[:MAX_LISTED_CHECKS]


def _link_label(key: str) -> str:
    return "Open the " + key.replace("_", " ")


def generic_payload(alert: Alert) -> dict[str, Any]:
    shown, more = _listed(alert)
    return {
        "monitor": alert.monitor,
        "state": alert.state,
        "text": headline(alert),
        "failing": [
            {
                "connector": action.connector,
                "action": action.action,
                "run_url": action.run_url,
                "checks": [
                    {**asdict(check), "detail": _short(check.detail)}
                    for check in action.checks[:MAX_LISTED_CHECKS]
                ],
                "error": _short(action.error),
            }
            for action in shown
        ],
        "more_failing": more,
        "links": dict(alert.links),
    }


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A Slack incoming webhook message: `text` for notifications, `blocks` for the layout."""
    text = headline(alert)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}
    ]
    shown, more = _listed(alert)
    for action in shown:
        lines = [
            f"*{_slack_escape(action.connector)}.{_slack_escape(action.action)}* "
            f"<{action.run_url}|Open the run>"
        ]
        if action.error:
            lines.append(_slack_escape(_short(action.error)))
        lines += [
            f"• {_slack_escape(check.check)}: {_slack_escape(_short(check.detail))}"
            for check in _failed_checks(action)
        ]
        section = "\n".join(lines)[:3000]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": section}})
    if more:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"and {more} more failing"}}
        )
    if alert.links:
        links = " · ".join(f"<{url}|{_link_label(key)}>" for key, url in alert.links.items())
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": links}]})
    return {"text": text, "blocks": blocks}


def teams_payload(alert: Alert) -> dict[str, Any]:
    """A Teams incoming webhook (Workflows) message holding one Adaptive Card."""
    color = {"failing": "Attention", "recovered": "Good"}.get(alert.state, "Default")
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": headline(alert),
            "weight": "Bolder",
            "size": "Medium",
            "color": color,
            "wrap": True,
        }
    ]
    shown, more = _listed(alert)
    for action in shown:
        body.append(
            {
                "type": "TextBlock",
                "text": f"{action.connector}.{action.action}",
                "weight": "Bolder",
                "wrap": True,
            }
        )
        facts = [{"title": "Error", "value": _short(action.error)}] if action.error else []
        facts += [
            {"title": check.check, "value": _short(check.detail)}
            for check in _failed_checks(action)
        ]
        facts.append({"title": "Run", "value": f"[Open the run]({action.run_url})"})
        body.append({"type": "FactSet", "facts": facts})
    if more:
        body.append({"type": "TextBlock", "text": f"and {more} more failing", "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": _link_label(key), "url": url}
            for key, url in alert.links.items()
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def email_text(alert: Alert) -> tuple[str, str]:
    """The subject and plain-text body of an alert email."""
    lines = [headline(alert), ""]
    shown, more = _listed(alert)
    for action in shown:
        lines.append(f"{action.connector}.{action.action}")
        if action.error:
            lines.append(f"  {_short(action.error)}")
        lines += [f"  - {check.check}: {_short(check.detail)}" for check in _failed_checks(action)]
        lines += [f"  Run: {action.run_url}", ""]
    if more:
        lines += [f"and {more} more failing", ""]
    lines += [f"{_link_label(key)}: {url}" for key, url in alert.links.items()]
    subject = {
        "failing": f"[Connector Studio] {alert.monitor} is failing",
        "recovered": f"[Connector Studio] {alert.monitor} has recovered",
        "test": "[Connector Studio] Test alert",
    }[alert.state]
    return subject, "\n".join(lines).rstrip() + "\n"


PAYLOADS: dict[str, Callable[[Alert], dict[str, Any]]] = {
    AlertChannel.Kind.WEBHOOK: generic_payload,
    AlertChannel.Kind.SLACK: slack_payload,
    AlertChannel.Kind.TEAMS: teams_payload,
}


# --- sending ---------------------------------------------------------------------------------


def _masked(text: str, hide: list[str]) -> str:
    return sealing.redact(text, hide)


def mail_configured() -> bool:
    """Whether the site has a mailer (EMAIL_URL or EMAIL_BACKEND, see studio/settings.py)."""
    return bool(getattr(settings, "MAILERS", None))


def _send_email(channel: AlertChannel, alert: Alert) -> Delivery:
    if not mail_configured():
        return Delivery(
            ok=False,
            error="No mail server is set: set EMAIL_URL (e.g. smtp+tls://user:password@"
            "smtp.example.com:587) and restart. The email was not sent.",
            error_kind="MailError",
        )
    hide = sealing.in_play()
    subject, body = email_text(alert)
    message = EmailMessage(
        _masked(subject, hide).replace("\n", " "),
        _masked(body, hide),
        settings.DEFAULT_FROM_EMAIL,
        [channel.address],
    )
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors, as are refused connections
        return Delivery(ok=False, error=_mail_failure(error), error_kind="MailError")
    return Delivery(ok=True, note=f"emailed to {channel.address}")


def _mail_failure(error: OSError) -> str:
    code = getattr(error, "smtp_code", None)
    if code is not None:
        said = getattr(error, "smtp_error", b"")
        said = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        return f"The mail server answered {code} {said[:200]}: the email was not sent."
    if recipients := getattr(error, "recipients", None):
        return f"The mail server refused {', '.join(recipients)}: the email was not sent."
    why = error.strerror or type(error).__name__
    return f"Could not reach the mail server ({why}): check EMAIL_URL. The email was not sent."


def _send_webhook(channel: AlertChannel, alert: Alert) -> Delivery:
    try:
        url = channel_urls.open_url(channel)
    except channel_urls.Refused as refused:
        return Delivery(ok=False, error=refused.message, error_kind="Refused")
    hide = [*sealing.in_play(), url.text]
    data = _masked(json.dumps(PAYLOADS[channel.kind](alert), ensure_ascii=False), hide)
    body = data.encode()
    if len(body) > settings.STUDIO_MAX_REQUEST_BYTES:
        return Delivery(
            ok=False,
            error=f"The alert is {len(body)} bytes, over STUDIO_MAX_REQUEST_BYTES: not sent.",
            error_kind="TooLarge",
        )
    request = messages.OutboundRequest(
        method="POST",
        url=url.text,
        headers=[("Content-Type", "application/json"), ("User-Agent", USER_AGENT)],
        body=body,
        timeout=settings.STUDIO_ALERT_TIMEOUT_SECONDS,
        connect_timeout=min(5.0, settings.STUDIO_ALERT_TIMEOUT_SECONDS),
        max_bytes=RESPONSE_BYTES,
        allow=settings.STUDIO_OUTBOUND_ALLOW,
        # A redirect would carry the alert to another address than the one entered.
        follow_redirects=False,
    )
    try:
        response = door.send(request)
    except door.OutboundError as error:
        return Delivery(
            ok=False,
            error=failure_sentence(error.message, url),
            error_kind=error.kind,
            elapsed_ms=error.elapsed_ms,
        )
    said = response.body[:200].decode("utf-8", "replace").strip()
    said = channel_urls.scrub(_masked(said, hide), url) if said else ""
    ok = 200 <= response.status < 300
    return Delivery(
        ok=ok,
        status=response.status,
        reason=response.reason,
        error="" if ok else _refusal(response.status, response.reason, said),
        error_kind="" if ok else "Rejected",
        elapsed_ms=response.elapsed_ms,
        note=said if ok else "",
    )


def failure_sentence(message: str, url: Any) -> str:
    """The network door's sentence, about a channel rather than a connector, without the URL."""
    message = message.replace("this connector", "this channel")
    message = message.replace("check the Base URL and path", "check the channel's URL")
    message = message.replace("check the Base URL", "check the channel's URL")
    message = message.replace("the connector's", "the alerts'")
    return channel_urls.scrub(message, url)


def _refusal(status: int, reason: str, said: str) -> str:
    answer = f"{status} {reason}".strip()
    tail = f" ({said})" if said else ""
    return f"The receiver answered {answer}{tail}: the alert was not accepted."
