"""The machine's Redis as the task queue, one test at a time.

RQ's queue is "default" on REDIS_URL, shared by every process on the machine: the suite's
xdist workers and CI's two database legs, which run at once. A test holds a Redis lock while
it empties, fills and works the queue, so no other test's worker takes its jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.test import override_settings

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
LOCK_SECONDS = 120  # longer than any one test holds it; freed at once if a test dies


@contextmanager
def machine_queue() -> Iterator:
    """The RQ queue "default", empty, with tasks enqueued on it for the block."""
    django_rq = pytest.importorskip("django_rq")
    machine = redis.Redis.from_url(settings.REDIS_URL)
    machine.ping()  # CI starts Redis (.ci/run)
    with (
        machine.lock("connector-studio-tests:rq-default", timeout=LOCK_SECONDS),
        override_settings(TASKS=RQ_TASKS),
    ):
        queue = django_rq.get_queue("default")
        queue.empty()
        yield queue
