"""Run a task worker for the configured backend (STUDIO_TASKS): `make worker`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from connectors.engine import monitor_runs


def worker_command() -> list[str]:
    """The manage.py command (with its options) that runs a worker for STUDIO_TASKS."""
    if settings.STUDIO_TASKS == "rq":
        # RQ's worker with the job class that runs Django tasks; the scheduler for delayed ones.
        return ["rqworker", "default", "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
    return ["db_worker", "--queue-name", "default", "--no-reload"]


class Command(BaseCommand):
    help = (
        "Run a worker for suite runs and monitors, with the monitor tick: the database worker "
        "(STUDIO_TASKS=db, the default) or an RQ worker on REDIS_URL (STUDIO_TASKS=rq). Start "
        "one on every machine that should work."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="run what is queued, then stop (database worker)"
        )
        parser.add_argument(
            "--no-tick", action="store_true", help="do not queue due monitors from this process"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name, *rest = worker_command()
        if options["batch"]:
            rest.append("--batch" if name == "db_worker" else "--burst")
        elif not options["no_tick"]:
            # Every worker ticks: the claim lets one of them take each monitor slot.
            monitor_runs.start_ticking()
        call_command(name, *rest)
