"""Schedules: intervals at least the minimum, cron expressions read in a time zone (cronsim)."""

from __future__ import annotations

from collections import Counter
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


def test_a_spread_slot_is_within_one_interval_on_a_phase_of_its_own_that_never_moves() -> None:
    after = datetime(2026, 3, 1, 8, 30, 12, 345678, tzinfo=UTC)
    for key in (1, 2, 3, 97, 10_000, 2**40):
        for interval in (60, 600, 86400):
            slot = schedules.spread_slot(key, interval, after)
            assert after < slot <= after + timedelta(seconds=interval)
            assert slot.microsecond % 1000 == 0  # to the millisecond
            # The same phase from any moment: slots differ by whole intervals.
            later = schedules.spread_slot(key, interval, after + timedelta(days=3, seconds=7))
            assert (later - slot) % timedelta(seconds=interval) == timedelta(0)
            # Strictly after: a moment on the phase gives the next one.
            assert schedules.spread_slot(key, interval, slot) == slot + timedelta(seconds=interval)
    assert schedules.spread_slot(5, 60, after) == schedules.spread_slot(5, 60, after)


def test_monitors_made_together_fall_due_spread_evenly_over_their_interval() -> None:
    after = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    slots = [schedules.spread_slot(key, 60, after) for key in range(1, 10_001)]
    per_second = Counter(int((slot - after).total_seconds()) for slot in slots)
    assert set(per_second) == set(range(60))  # every second of the minute
    assert max(per_second.values()) <= 10_000 / 60 * 1.1  # none much busier than the mean
    per_milli = Counter(slots)
    assert max(per_milli.values()) == 1  # no two at the same millisecond
