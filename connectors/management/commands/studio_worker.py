"""Run a task worker for the configured backend (STUDIO_TASKS): `make worker`."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from connectors.engine import monitor_runs

# Seconds a worker keeps its database connection between tasks (health-checked before use),
# unless CONN_MAX_AGE says otherwise: reconnecting for every task cost more than a monitor run.
WORKER_CONN_MAX_AGE = 60
# Seconds an idle database worker waits before looking for tasks again (its default is 1 s,
# most of a spread monitor slot's lateness); the look is one indexed query.
DB_WORKER_POLL_SECONDS = 0.25


def worker_command() -> list[str]:
    """The manage.py command (with its options) that runs a worker for STUDIO_TASKS."""
    if settings.STUDIO_TASKS == "rq":
        # RQ's worker with the job class that runs Django tasks; the scheduler for delayed ones.
        # SimpleWorker runs each job in the worker itself, keeping its database connection:
        # the default forks a process (and a new connection) per job.
        return [
            "rqworker",
            "default",
            "--job-class",
            "django_tasks_rq.Job",
            "--worker-class",
            "rq.worker.SimpleWorker",
            "--with-scheduler",
        ]
    return [
        "db_worker",
        "--queue-name",
        "default",
        "--no-reload",
        "--interval",
        str(DB_WORKER_POLL_SECONDS),
    ]


def keep_connections() -> None:
    """This process's database connections last WORKER_CONN_MAX_AGE seconds, unless
    CONN_MAX_AGE is set: a worker is one long-lived process, as a gunicorn worker is."""
    if "CONN_MAX_AGE" in os.environ:
        return
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = WORKER_CONN_MAX_AGE


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
        else:
            keep_connections()
            if not options["no_tick"]:
                # Every worker ticks: the claim lets one of them take each monitor slot.
                monitor_runs.start_ticking()
        call_command(name, *rest)
