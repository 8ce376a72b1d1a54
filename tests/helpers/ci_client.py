"""clients/studio_ci.py run as a pipeline runs it: a subprocess, with the worker beside it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.helpers.worker import run_worker

CLIENT = Path(settings.BASE_DIR) / "clients" / "studio_ci.py"


def studio_ci(*args: str, token: str | None, worker: bool = True) -> subprocess.CompletedProcess:
    """Run the client to its end, with the task worker running what it starts meanwhile."""
    env = {k: v for k, v in os.environ.items() if k != "STUDIO_TOKEN"}
    if token is not None:
        env["STUDIO_TOKEN"] = token
    process = subprocess.Popen(
        [sys.executable, str(CLIENT), "--poll", "0.2", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while process.poll() is None:
        if worker:
            run_worker()
        time.sleep(0.1)
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)
