"""An alert channel's webhook URL: a secret whose home is the origin it was entered for.

Slack's and Teams' incoming webhook URLs carry their token in the path, so the whole URL is
sealed; pages show only its hint (host and last 4). Its home is stamped when it is entered and
checked before every send, whatever route stored it: a URL whose origin no longer matches the
one it was entered for is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from connectors.lib import redaction
from connectors.lib.outbound import urls
from connectors.models import AlertChannel
from connectors.secrets import sealing

SHOWN = "the channel URL"


class Refused(Exception):
    """The URL may not be used: nothing is sent. The message never holds the URL."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sealed:
    sealed: str
    hint: str
    home: str


@sensitive_variables("url")
def parse(url: str) -> urls.URL:
    """The URL as the network door reads it, or Refused with a sentence that does not quote it."""
    if "{{" in url:
        raise Refused("The URL is sent as it is: it cannot hold a {{...}} reference.")
    try:
        parsed = urls.parse(url, what="The URL")
    except urls.UnsafeURL as error:
        raise Refused(scrub(error.message, url)) from None
    if parsed.fragment is not None:
        raise Refused("The URL cannot hold a fragment (#...): it is never sent.")
    return parsed


@sensitive_variables("url")
def seal(url: str) -> Sealed:
    """The stored form of a URL entered now: sealed, its hint, and its home."""
    parsed = parse(url)
    return Sealed(sealing.seal(parsed.text), hint(parsed), str(parsed.origin))


def hint(url: urls.URL) -> str:
    """`hooks.slack.com …a1b2`: the host, and the last 4 characters when the URL is long
    enough that they say little of it."""
    tail = url.text[-4:] if len(url.text) >= len(url.origin.shown) + 20 else ""
    return f"{url.origin.shown} …{tail}" if tail else url.origin.shown


@sensitive_variables("url")
def open_url(channel: AlertChannel) -> urls.URL:
    """The channel's URL, unsealed and parsed, once its home admits it; else Refused."""
    if not channel.url_sealed:
        raise Refused(f"Channel {channel.name} has no URL: enter it again.")
    try:
        url = sealing.unseal(channel.url_sealed, owner=f"channel {channel.name}'s URL")
    except sealing.SecretUnreadable as error:
        raise Refused(str(error)) from None
    parsed = parse(url)
    home = urls.parse(channel.url_home).origin if channel.url_home else None
    if home is None or home != parsed.origin:
        where = f"{home.shown}, the host it was entered for" if home else "no recorded host"
        raise Refused(
            f"Channel {channel.name}'s URL may only be sent to {where}; it now points to "
            f"{parsed.origin.shown}. Nothing was sent. Enter the URL again."
        )
    return parsed


@sensitive_variables("url")
def scrub(text: str, url: str | urls.URL) -> str:
    """text without the URL in any encoding (its path carries the token): for messages that
    parsers or the network door wrote about it."""
    raw = str(url)
    forms = [raw]
    try:
        parsed = urls.parse(url)
    except urls.UnsafeURL:
        parsed = None
    if parsed is not None:
        forms += [parsed.text, parsed.path + (f"?{parsed.query}" if parsed.query else "")]
    forms = [form for form in forms if len(form) > 1]
    return redaction.redact(text, forms, mask_raw=_shown, mask=SHOWN)


def _shown(_value: str) -> str:
    return SHOWN
