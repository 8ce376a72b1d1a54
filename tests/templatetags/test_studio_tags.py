"""The catalog's shared filters: how long ago, said at once or when a kept page is served."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template import engines
from django.urls import set_script_prefix
from django.utils import timezone
from django.utils.timesince import timesince

from connectors.templatetags.studio_tags import (
    ago,
    ago_text,
    deferring_ago,
    fill_ago,
    link,
)

NOW = datetime(2026, 3, 30, 12, 0, 30, 250_000, tzinfo=UTC)


def djangos(moment: datetime, now: datetime) -> str:
    """What the filter said before it remembered its answers: timesince, every time."""
    return "just now" if now - moment < timedelta(minutes=1) else f"{timesince(moment, now)} ago"


def test_it_says_what_timesince_says_for_any_moment() -> None:
    chance = random.Random(18)
    for _ in range(20_000):
        moment = NOW - timedelta(seconds=chance.uniform(0, 86_400 * chance.choice([2, 40, 800])))
        now = NOW + timedelta(seconds=chance.uniform(0, 86_400 * 60))
        assert ago_text(moment, now) == djangos(moment, now), (moment, now)


def test_it_says_just_now_for_the_last_minute_and_then_minutes() -> None:
    assert ago_text(NOW - timedelta(seconds=59), NOW) == "just now"
    assert ago_text(NOW - timedelta(seconds=61), NOW) == "1\xa0minute ago"
    assert ago_text(NOW - timedelta(days=1, hours=2), NOW) == "1\xa0day, 2\xa0hours ago"


def test_a_moment_in_another_time_zone_is_said_as_timesince_says_it() -> None:
    paris = ZoneInfo("Europe/Paris")  # summer time began on 2026-03-29
    moment = datetime(2026, 3, 28, 12, 0, tzinfo=paris)
    now = datetime(2026, 3, 30, 12, 0, tzinfo=paris)
    assert ago_text(moment, now) == djangos(moment, now) == "2\xa0days ago"


def test_a_kept_page_says_its_times_when_it_is_served() -> None:
    template = engines["django"].from_string(
        "{% load studio_tags %}<p>{{ a|ago }}</p><p>{{ b|ago }}</p><p>{{ none|ago }}</p>"
    )
    a, b = timezone.now() - timedelta(minutes=5), timezone.now() - timedelta(hours=3)
    with deferring_ago() as moments:
        kept = template.render({"a": a, "b": b, "none": None})
    assert moments == [a, b]
    assert "minutes" not in kept and "hours" not in kept
    later = timezone.now() + timedelta(hours=1)
    assert fill_ago(kept, moments, later) == (
        f"<p>{ago_text(a, later)}</p><p>{ago_text(b, later)}</p><p></p>"
    )
    assert "1\xa0hour, 5\xa0minutes ago" in fill_ago(kept, moments, later)


def test_outside_a_kept_page_the_filter_says_the_time_at_once() -> None:
    assert ago(timezone.now() - timedelta(minutes=2)) == "2\xa0minutes ago"
    assert ago(None) == ""


def test_a_link_is_the_url_tags_url() -> None:
    template = engines["django"].from_string(
        "{% load studio_tags %}{% link 'catalog' %} {% url 'catalog' %} "
        "{% link 'admin:index' %} {% url 'admin:index' %}"
    )
    first, second, third, fourth = template.render({}).split()
    assert first == second == "/" and third == fourth == "/admin/"


def test_a_link_follows_the_script_prefix() -> None:
    set_script_prefix("/studio/")
    try:
        assert link("help") == "/studio/help/"
    finally:
        set_script_prefix("/")
    assert link("help") == "/help/"
