"""`make run`: the pages and a task worker in one terminal; Ctrl+C stops both.

Each runs as its own `manage.py` child process. When either ends, the other is stopped, and
the command ends with the first one's exit code.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from connectors.management.commands.studio_worker import worker_command

GRACE_SECONDS = 10  # after Ctrl+C, time for a worker to finish its request before it is killed


class Command(BaseCommand):
    help = "Serve the pages (runserver) and run a task worker beside them, until Ctrl+C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--noreload", action="store_true", help="no automatic reload on code changes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        server = [*manage, "runserver", options["addrport"]]
        if options["noreload"]:
            server.append("--noreload")
        worker = [*manage, "studio_worker"]
        self.stdout.write(
            f"Serving http://{options['addrport']}/ with a {settings.STUDIO_TASKS} task worker "
            f"({' '.join(worker_command())}). Ctrl+C stops both."
        )
        children = [subprocess.Popen(server), subprocess.Popen(worker)]
        stop = _Stop()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, stop.ask)
        code = 0
        try:
            while not stop.asked:
                ended = [child.poll() for child in children]
                if any(result is not None for result in ended):
                    code = next(result for result in ended if result is not None)
                    break
                time.sleep(0.2)
        finally:
            _stop_all(children)
        if code:
            sys.exit(code)


class _Stop:
    asked = False

    def ask(self, signum: int, frame: Any) -> None:
        self.asked = True


def _stop_all(children: list[subprocess.Popen]) -> None:
    """SIGINT to each (as Ctrl+C would), then SIGKILL to any still running after the grace."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
