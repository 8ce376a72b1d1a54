"""The task worker in the test's own process: the database backend's real worker."""

from __future__ import annotations

import io

from django.core.management import call_command


def run_worker() -> None:
    """Run every queued task (suite runs), until the queue is empty."""
    call_command("studio_worker", batch=True, stdout=io.StringIO())
