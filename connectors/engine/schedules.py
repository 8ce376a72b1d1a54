"""A monitor's schedule: every N seconds, or a cron expression read in a time zone (cronsim).

`check` says what is wrong with a schedule, as sentences keyed by field; `next_slot` gives the
first slot strictly after a moment. A slot missed while nothing ran is not made up for: the
next slot is always in the future, so a monitor behind by many slots runs once.

An interval keeps its phase: its slots are its first slot plus whole intervals. `spread_slot`
gives monitors made together (an import) a phase each of their own, so that ten thousand
monitors made in the same second do not all fall due in the same second ever after: the phase
of monitor `key` is a stable hash of it (Fibonacci hashing: consecutive ids land evenly over
the interval, as Prometheus spreads scrape targets by a hash of each target), to the
millisecond. Cron slots are exact: a cron expression names its times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError
from django.conf import settings

CRON_SAMPLE = 20  # successive cron slots checked against the shortest interval allowed


def zone(name: str) -> ZoneInfo | None:
    if not name or name not in _zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


def _human(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def check(interval_seconds: int | None, cron: str, timezone_name: str) -> dict[str, str]:
    """{field: sentence} for each problem of the schedule; {} when it is good."""
    least = settings.STUDIO_MONITOR_MIN_INTERVAL_SECONDS
    cron = (cron or "").strip()
    if interval_seconds is None and not cron:
        return {"interval_seconds": "Choose how often: every N minutes, or a cron expression."}
    if interval_seconds is not None and cron:
        return {"cron": "Choose one schedule: an interval or a cron expression, not both."}
    if interval_seconds is not None:
        if interval_seconds < least:
            return {"interval_seconds": f"Run at most once every {_human(least)}."}
        if interval_seconds > 31 * 86400:
            return {"interval_seconds": "Run at least once every 31 days."}
        return {}
    tz = zone(timezone_name)
    if tz is None:
        return {"timezone": "Choose a time zone such as UTC or Europe/Paris."}
    if len(cron.split()) != 5:
        return {"cron": "Write five fields: minute hour day month weekday, e.g. */5 * * * *."}
    try:
        slots = list(islice(CronSim(cron, datetime.now(tz)), CRON_SAMPLE))
    except (CronSimError, ValueError) as error:
        return {"cron": f"This cron expression cannot be read ({error})."}
    except StopIteration:
        slots = []
    if not slots:
        return {"cron": "This cron expression never matches a date."}
    gaps = [(b - a).total_seconds() for a, b in zip(slots, slots[1:], strict=False)]
    if gaps and min(gaps) < least:
        return {"cron": f"This runs more often than once every {_human(least)}."}
    return {}


def next_slot(
    *,
    interval_seconds: int | None,
    cron: str,
    timezone_name: str,
    after: datetime,
    anchor: datetime | None = None,
) -> datetime:
    """The first slot strictly after `after`, in UTC. An interval keeps to its anchor (the slot
    last claimed), so a late tick does not shift the schedule."""
    if cron:
        tz = zone(timezone_name) or ZoneInfo("UTC")
        return next(CronSim(cron, after.astimezone(tz))).astimezone(UTC)
    step = timedelta(seconds=interval_seconds or settings.STUDIO_MONITOR_MIN_INTERVAL_SECONDS)
    if anchor is None or anchor > after:
        return after + step
    behind = (after - anchor) // step + 1
    return anchor + behind * step


GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / the golden ratio, odd
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def phase_ms(key: int, interval_seconds: int) -> int:
    """Where in its interval monitor `key` falls due, in milliseconds from the start of each
    interval since EPOCH: stable (the same in every process, forever), and consecutive keys
    spread evenly over the interval."""
    mixed = (key * GOLDEN) % 2**64
    return (mixed * interval_seconds * 1000) >> 64


def spread_slot(key: int, interval_seconds: int, after: datetime) -> datetime:
    """The first moment strictly after `after` on monitor `key`'s own phase of the interval:
    within one interval of `after`. An interval monitor made in bulk starts here."""
    step = interval_seconds * 1000
    since = (after - EPOCH) // timedelta(milliseconds=1)
    latest = since - (since - phase_ms(key, interval_seconds)) % step  # on the phase, not after
    return EPOCH + timedelta(milliseconds=latest + step)
