"""A Test's round trip under gunicorn versus the same request made directly, and its server CPU
versus a logged-in Django "hello" POST behind the same middleware.

    [DATABASE_URL=postgres://...] .venv/bin/python bench/roundtrip.py [rounds] [--against REF]

Serves a fresh site as `make serve` does (gunicorn.conf.py: gthread workers, persistent
database connections), with /bench/hello/ added (bench/hello_settings.py). A Developer presses
Test (an HTMX POST: inputs form, executor, outbound, TestRun stored, result partial rendered)
on actions whose local API answers 2 KB and 1 MB of JSON. Each round (default 40) makes 5 of
each request in turn, the order rotated every round: the direct `requests.get` of the API,
the hello POST and each Test. Prints the median wall time of each, what a Test adds to the
direct request, and the server's CPU per request (the workers' threads' run time, from
/proc) against the hello POST's. `--against main` also serves that git ref's tree (its own
site and gunicorn) and measures its Tests and hello in the same interleaved rounds, so a
change of load moves both alike.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interleave import interleaved  # noqa: E402
from tests.helpers.servers import (
    Server,
    Site,
    create_action,
    create_connector,
    csrf_token,
    log_in,
    press_test,
)
from tests.helpers.upstream import Reply, Upstream  # noqa: E402

SIZES = [("2 KB", 2 * 1024), ("1 MB", 1024 * 1024)]
PER_ROUND = 5
DEVELOPER = (
    "from django.contrib.auth.models import Group, User\n"
    "bob = User.objects.create_user('bob', 'bob@example.com', 'pass-servers-1')\n"
    "bob.groups.add(Group.objects.get(name='Developer'))"
)


def json_body(size: int) -> bytes:
    """A list of models of about `size` bytes, built in one pass."""
    item = {"id": "model-000000", "object": "model", "owned_by": "team", "n": 1}
    count = max(1, size // (len(json.dumps(item)) + 2))
    data = [{**item, "id": f"model-{n:06d}"} for n in range(count)]
    return json.dumps({"object": "list", "data": data}).encode()


def cpu_ns(pids: list[int]) -> int:
    """Run time of every thread of these processes, in ns (/proc/<pid>/task/*/schedstat)."""
    total = 0
    for pid in pids:
        for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError, IndexError):  # a thread just ended
                total += int(stat.read_text().split()[0])
    return total


def checkout(ref: str, into: Path) -> Path:
    """The tree of `ref` (a commit, branch or tag of this repository), using this venv."""
    subprocess.run(
        f"git -C {ROOT} archive {shlex.quote(ref)} | tar -x -C {into}", shell=True, check=True
    )
    (into / ".venv").symlink_to((ROOT / ".venv").resolve())
    if (ROOT / ".env").exists():
        shutil.copy(ROOT / ".env", into / ".env")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=40)
    parser.add_argument(
        "--against",
        metavar="REF",
        help="also serve this git ref (e.g. main) and measure it in the same interleaved rounds",
    )
    args = parser.parse_args()
    roots = {"": ROOT}
    if args.against:
        roots[f" @{args.against}"] = checkout(args.against, Path(tempfile.mkdtemp()))
    upstreams = [Upstream().__enter__() for _ in SIZES]
    sites, stack = [], contextlib.ExitStack()
    try:
        cases: dict[str, object] = {}
        workers: dict[str, list[int]] = {}
        for (_label, size), upstream in zip(SIZES, upstreams, strict=True):
            upstream.reply = Reply(body=json_body(size))
        direct = requests.Session()
        for label, upstream in zip((label for label, _ in SIZES), upstreams, strict=True):
            api_url = f"{upstream.url}/v1/models"
            cases[f"direct {label}"] = lambda url=api_url: direct.get(url).raise_for_status()
        for suffix, root in roots.items():
            site = Site(Path(tempfile.mkdtemp()), root=root)
            sites.append(site)
            site.prepare(users=())
            site.manage("shell", "-c", DEVELOPER)
            server = stack.enter_context(
                Server(site, DJANGO_SETTINGS_MODULE="bench.hello_settings")
            )
            session = log_in(server.url, "bob")
            token = csrf_token(session, f"{server.url}/")
            for (label, size), upstream in zip(SIZES, upstreams, strict=True):
                name = f"Bench{size}"
                create_connector(session, server.url, name, upstream.url)
                action_url = create_action(session, server.url, name, "models", "/v1/models")
                cases[f"Test {label}{suffix}"] = lambda s=session, u=action_url, t=token: tested(
                    s, u, t
                )
            hello_url = f"{server.url}/bench/hello/"
            cases[f"hello POST{suffix}"] = lambda s=session, u=hello_url, t=token: said_hello(
                s, u, t
            )
            pids = server.worker_pids()
            for name in cases:
                if name.endswith(suffix) and not name.startswith("direct") and name not in workers:
                    workers[name] = pids
        cpu: dict[str, list[float]] = {name: [] for name in cases}

        def measured(name: str):
            fn, pids = cases[name], workers.get(name, [])

            def call() -> None:
                before = cpu_ns(pids)
                fn()
                cpu[name].append((cpu_ns(pids) - before) / 1e6)

            return call

        times = interleaved({n: measured(n) for n in cases}, args.rounds, PER_ROUND)
    finally:
        stack.close()
        for upstream in upstreams:
            upstream.__exit__(None, None, None)
        for site in sites:
            site.drop()
        for root in roots.values():
            if root != ROOT:
                shutil.rmtree(root, ignore_errors=True)  # the other ref's tree
    wall = {name: statistics.median(values) for name, values in times.items()}
    server_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    print(
        f"Test round trip under gunicorn, {args.rounds} interleaved rounds of {PER_ROUND} "
        f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}); medians"
    )
    print(f"{'request':>20} {'wall ms':>8} {'added ms':>9} {'server CPU ms':>14} {'vs hello':>9}")
    for name in cases:
        plain, at, ref = name.partition(" @")
        kind, _, label = plain.partition(" ")
        added = f"{wall[name] - wall[f'direct {label}']:9.2f}" if kind == "Test" else " " * 9
        hello = server_cpu.get(f"hello POST{at}{ref}")
        ratio = f"{server_cpu[name] / hello:8.1f}x" if kind != "direct" and hello else " " * 9
        shown_cpu = f"{server_cpu[name]:14.2f}" if kind != "direct" else " " * 14
        print(f"{name:>20} {wall[name]:8.2f} {added} {shown_cpu} {ratio}")


def tested(session, action_url: str, token: str) -> None:
    """Press Test on the action as the page does; fail unless the API answered 200."""
    response = press_test(session, action_url, token)
    assert response.status_code == 200 and "200 OK" in response.text, response.text[:500]


def said_hello(session, url: str, token: str) -> None:
    """POST the logged-in hello; fail unless it answered."""
    response = session.post(url, headers={"X-CSRFToken": token, "Referer": url}, timeout=30)
    assert response.status_code == 200 and response.text == "hello bob", response.text[:500]


if __name__ == "__main__":
    main()
