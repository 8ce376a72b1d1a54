"""Schedules: intervals at least the minimum, cron expressions read in a time zone (cronsim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.engine import schedules


def test_it_reads_a_cron_expression_in_its_time_zone() -> None:
    after = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 08:00 in Paris (summer time)
    slot = schedules.next_slot(
        interval_seconds=None, cron="0 9 * * *", timezone_name="Europe/Paris", after=after
    )
    assert slot == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 Paris
    winter = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    slot = schedules.next_slot(
        interval_seconds=None, cron="0 9 * * *", timezone_name="Europe/Paris", after=winter
    )
    assert slot == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_it_keeps_an_interval_on_its_grid_and_skips_missed_slots() -> None:
    anchor = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    after = anchor + timedelta(minutes=45, seconds=10)
    slot = schedules.next_slot(
        interval_seconds=600, cron="", timezone_name="UTC", after=after, anchor=anchor
    )
    assert slot == anchor + timedelta(minutes=50)


def test_it_refuses_bad_schedules_with_a_sentence_per_field(settings) -> None:
    settings.STUDIO_MONITOR_MIN_INTERVAL_SECONDS = 60
    assert schedules.check(30, "", "UTC") == {
        "interval_seconds": "Run at most once every 1 minute."
    }
    assert "interval_seconds" in schedules.check(None, "", "UTC")
    assert schedules.check(None, "61 * * * *", "UTC")["cron"].startswith("This cron expression")
    assert "five fields" in schedules.check(None, "* * *", "UTC")["cron"]
    assert schedules.check(None, "0 9 * * *", "Mars/Olympus") == {
        "timezone": "Choose a time zone such as UTC or Europe/Paris."
    }
    settings.STUDIO_MONITOR_MIN_INTERVAL_SECONDS = 300
    assert "more often" in schedules.check(None, "* * * * *", "UTC")["cron"]
    assert schedules.check(None, "*/5 * * * *", "Europe/Paris") == {}
    assert schedules.check(60 * 5, "", "UTC") == {}
