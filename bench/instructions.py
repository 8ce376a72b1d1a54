"""A Test's and a hello POST's instructions in the gunicorn worker, counted by callgrind.

    .venv/bin/python bench/instructions.py [rounds] [--against REF]

bench/roundtrip.py times the server's CPU, which moves with the machine's speed from one
minute to the next; this counts the instructions the worker runs in user space, which do not
(valgrind --tool=callgrind: the same count for the same work whatever else the machine does).
Kernel time (the sockets' system calls) is not counted, so the ratio here is not roundtrip's.

Serves the site as roundtrip does (bench/hello_settings.py), one worker with one thread under
valgrind, counting only while the requests run (`callgrind_control`). Each round (default 5)
counts a batch of 20 Tests of a 2 KB answer and a batch of 20 hello POSTs, the order swapped
every round; prints each kind's median per request. `--against REF` counts that git ref's
tree too, served the same way. Takes a few minutes: valgrind runs the worker tens of times
slower.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.roundtrip import DEVELOPER, checkout, json_body, said_hello, tested  # noqa: E402
from tests.helpers.servers import (  # noqa: E402
    GUNICORN,
    Server,
    Site,
    create_action,
    create_connector,
    csrf_token,
    log_in,
)
from tests.helpers.upstream import Reply, Upstream  # noqa: E402

WARM_UP = 5
PER_BATCH = 20
BODY = 2 * 1024


def count(root: Path, upstream: Upstream, rounds: int) -> tuple[float, float]:
    """Median instructions per 2 KB Test and per hello POST of the tree at `root`."""
    site = Site(Path(tempfile.mkdtemp()), root=root)
    counts = Path(tempfile.mkdtemp())
    try:
        site.prepare(users=())
        site.manage("shell", "-c", DEVELOPER)
        # Logged in and set up on a plain server: the session is kept in the database, and
        # hashing a password under valgrind would take most of a minute.
        with Server(site, DJANGO_SETTINGS_MODULE="bench.hello_settings") as server:
            session = log_in(server.url, "bob")
            token = csrf_token(session, f"{server.url}/")
            create_connector(session, server.url, "Bench", upstream.url)
            action_path = create_action(session, server.url, "Bench", "models", "/v1/models")
            action_path = action_path.removeprefix(server.url)
        return _counted(site, counts, session, token, action_path, rounds)
    finally:
        site.drop()
        shutil.rmtree(counts, ignore_errors=True)


def _counted(site, counts: Path, session, token: str, action_path: str, rounds: int):
    command = [
        "valgrind",
        "--tool=callgrind",
        "--trace-children=yes",
        "--instr-atstart=no",  # counted only while the requests run
        f"--vgdb-prefix={counts}/vgdb",  # where callgrind_control finds it, whatever TMPDIR is
        f"--callgrind-out-file={counts}/callgrind.%p",
        *GUNICORN[:-1],
        str(site.root / "gunicorn.conf.py"),
    ]
    server = Server(
        site,
        command=command,
        DJANGO_SETTINGS_MODULE="bench.hello_settings",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="1",
        GUNICORN_TIMEOUT="900",  # a worker booting under valgrind is slow to report in
    )
    try:
        server.wait_ready(timeout=900)
        (worker,) = server.worker_pids()
        batches = {
            "Test": lambda: tested(session, f"{server.url}{action_path}", token),
            "hello": lambda: said_hello(session, f"{server.url}/bench/hello/", token),
        }
        for _ in range(WARM_UP):
            for send in batches.values():
                send()
        _control(counts, worker, "--instr=on")
        per_request: dict[str, list[float]] = {kind: [] for kind in batches}
        for number in range(rounds):
            for kind in list(batches)[:: 1 if number % 2 == 0 else -1]:
                _dump(counts, worker)  # counters zeroed: what ran between batches goes
                for _ in range(PER_BATCH):
                    batches[kind]()
                per_request[kind].append(_dump(counts, worker) / PER_BATCH)
    finally:
        server.stop()
    return statistics.median(per_request["Test"]), statistics.median(per_request["hello"])


def _control(counts: Path, pid: int, action: str) -> None:
    subprocess.run(
        ["callgrind_control", f"--vgdb-prefix={counts}/vgdb", action, str(pid)],
        check=True,
        capture_output=True,
        # valgrind names its pipes after $HOST, which the server's environment sets to the
        # address it listens on: the same here, or callgrind_control looks for other names.
        env={**os.environ, "HOST": "127.0.0.1"},
    )


def _dump(counts: Path, pid: int, timeout: float = 60) -> int:
    """The worker's instructions since its last dump, which zeroes them. The dump is written
    once the worker next runs (an idle worker waits up to a second in its poll)."""
    before = len(list(counts.glob(f"callgrind.{pid}.*")))
    _control(counts, pid, "--dump")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dumps = sorted(counts.glob(f"callgrind.{pid}.*"), key=lambda p: int(p.suffix[1:]))
        if len(dumps) > before:
            text = dumps[-1].read_text(errors="replace")
            found = re.search(r"^summary: (\d+)", text, re.M)
            if found is not None and re.search(r"^totals: ", text, re.M):
                return int(found.group(1))
        time.sleep(0.05)
    raise RuntimeError(f"callgrind wrote no dump for {pid} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    parser.add_argument("--against", metavar="REF", help="also count this git ref's tree")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench/instructions.py needs valgrind (apt-get install -y valgrind).")
    roots = {"this tree": ROOT}
    if args.against:
        roots[args.against] = checkout(args.against, Path(tempfile.mkdtemp()))
    results = {}
    with Upstream() as upstream:
        upstream.reply = Reply(body=json_body(BODY))
        try:
            for name, root in roots.items():
                results[name] = count(root, upstream, args.rounds)
        finally:
            for root in roots.values():
                if root != ROOT:
                    shutil.rmtree(root, ignore_errors=True)
    print(
        f"Instructions per request in the gunicorn worker (callgrind), medians of {args.rounds} "
        f"interleaved batches of {PER_BATCH}"
    )
    print(f"{'tree':>12} {'Test 2 KB':>12} {'hello POST':>12} {'vs hello':>9}")
    for name, (test, hello) in results.items():
        print(f"{name:>12} {test:12,.0f} {hello:12,.0f} {test / hello:8.2f}x")


if __name__ == "__main__":
    main()
