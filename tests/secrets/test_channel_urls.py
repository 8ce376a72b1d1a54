"""A channel URL as a secret: its hint, its home, and messages that never quote it."""

from __future__ import annotations

import pytest

from connectors.lib.outbound import urls
from connectors.models import AlertChannel
from connectors.secrets import channel_urls, sealing

URL = "https://hooks.slack.com/services/T000/B000/abcdEFGH1234wxyz"


def test_it_hints_the_host_and_the_last_four() -> None:
    assert channel_urls.hint(urls.parse(URL)) == "hooks.slack.com …wxyz"


def test_a_short_url_is_hinted_by_its_host_alone() -> None:
    assert channel_urls.hint(urls.parse("https://h.example.com/ab")) == "h.example.com"


def test_it_opens_a_url_at_home_and_refuses_one_that_moved() -> None:
    sealed = channel_urls.seal(URL)
    channel = AlertChannel(name="c", kind="slack", url_sealed=sealed.sealed, url_home=sealed.home)
    assert channel_urls.open_url(channel).text == URL
    channel.url_home = "https://hooks.example.com:443"
    with pytest.raises(channel_urls.Refused, match="hooks.example.com, the host it was entered"):
        channel_urls.open_url(channel)
    channel.url_home = ""
    with pytest.raises(channel_urls.Refused, match="no recorded host"):
        channel_urls.open_url(channel)


def test_an_unreadable_url_is_refused_with_a_sentence() -> None:
    channel = AlertChannel(name="c", kind="slack", url_sealed="not-a-token", url_home="x")
    with pytest.raises(channel_urls.Refused, match="cannot be decrypted"):
        channel_urls.open_url(channel)


def test_scrub_removes_the_url_in_any_encoding() -> None:
    text = f"sent to {URL}, path {urls.parse(URL).path}, quoted {sealing.redact('x', [])}"
    scrubbed = channel_urls.scrub(text, URL)
    assert "abcdEFGH1234wxyz" not in scrubbed
    assert "the channel URL" in scrubbed
