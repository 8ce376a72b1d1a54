"""Recompute every action's and connector's last Test run from the stored runs."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from connectors.engine import runs


class Command(BaseCommand):
    help = (
        "Recompute each action's and connector's last Test run (time, status, error kind) from "
        "the stored runs: after a bulk load or a restore of the runs table."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        count = runs.refresh_actions()
        seconds = time.perf_counter() - start
        self.stdout.write(
            f"Refreshed the last run of {count} action{'s' if count != 1 else ''} and their "
            f"connectors in {seconds:.1f} s."
        )
