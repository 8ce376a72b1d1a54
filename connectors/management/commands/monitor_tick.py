"""Claim due monitor slots and queue their runs: once (`--once`), or every few seconds.

Every `studio_worker` already ticks in a thread; this runs the tick on its own (a machine that
should schedule but not work, or a cron job with --once).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from connectors.engine import monitor_runs


class Command(BaseCommand):
    help = (
        "Queue the runs of due monitors: once, or every STUDIO_MONITOR_TICK_SECONDS until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one tick, then stop")
        parser.add_argument(
            "--every", type=float, default=None, help="seconds between ticks (default: setting)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            result = monitor_runs.tick()
            self.stdout.write(
                f"Queued {len(result.claimed)} monitor run(s); "
                f"marked {result.interrupted} interrupted."
            )
            return
        every = options["every"] or settings.STUDIO_MONITOR_TICK_SECONDS
        stop = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stop.set())
        self.stdout.write(f"Ticking every {every:g} s. Ctrl+C stops.")
        monitor_runs.tick_forever(stop, every)
