"""Remove Test runs past the retention period, in short batches (run it daily)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from connectors.engine import runs, suites


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Remove Test runs older than STUDIO_RUN_RETENTION_DAYS, keeping each action's newest "
        "STUDIO_RUNS_PER_ACTION runs and every kept (pinned) run; and suite runs older than "
        "STUDIO_RUN_RETENTION_DAYS, keeping the newest of each scope."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=_positive, help="retention in days (default: STUDIO_RUN_RETENTION_DAYS)"
        )
        parser.add_argument(
            "--keep", type=_positive, help="newest runs kept per action (STUDIO_RUNS_PER_ACTION)"
        )
        parser.add_argument("--batch-size", type=_positive, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="count, remove nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] or settings.STUDIO_RUN_RETENTION_DAYS
        keep = options["keep"] or settings.STUDIO_RUNS_PER_ACTION
        start = time.perf_counter()
        pruned = runs.prune(days, keep, options["batch_size"], dry_run=options["dry_run"])
        suite_runs = suites.prune(days, dry_run=options["dry_run"])
        seconds = time.perf_counter() - start
        verb = "Would remove" if options["dry_run"] else "Removed"
        self.stdout.write(
            f"{verb} {pruned.removed} Test run{'s' if pruned.removed != 1 else ''} older than "
            f"{days} days in {pruned.batches} batch{'es' if pruned.batches != 1 else ''} "
            f"({seconds:.1f} s); kept {pruned.kept_old} older ones (pinned, or among their "
            f"action's newest {keep})."
        )
        self.stdout.write(
            f"{verb} {suite_runs} suite run{'s' if suite_runs != 1 else ''} older than {days} days "
            "(the newest of each scope is kept)."
        )
