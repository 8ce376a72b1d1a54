"""A bounded load run with a fault: 20 people browsing and testing for 60 s, the database cut.

    .venv/bin/python bench/load.py [seconds] [users]

Starts the production command (`make serve`, persistent database connections with health
checks: CONN_MAX_AGE=60) on a fresh database (a temporary SQLite file, or a new database on
DATABASE_URL's PostgreSQL server) with two local upstreams (one answers at once, one after
50-200 ms). 20 simulated users, each a thread with its own login, browse (catalog, search,
connector and action pages), press Test and now and then create a connector, with 0.1-0.5 s
between clicks. Halfway, on PostgreSQL, every connection to the database is cut
(pg_terminate_backend). Prints requests, errors (5xx must be 0), latency percentiles per kind
and around the cut, and checks that every connector whose creation was answered is there.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.helpers.servers import (
    MAKE_SERVE,
    Server,
    Site,
    connector_form,
    csrf_token,
    log_in,
    press_test,
)
from tests.helpers.upstream import Received, Reply, Upstream  # noqa: E402

CONNECTORS = 40
ACTIONS = ["list", "get", "search"]
CLICKS = [  # what a user does next, and how often
    ("catalog", 30),
    ("search", 15),
    ("connector", 20),
    ("action", 17),
    ("test", 15),
    ("create", 3),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def seed(site: Site, fast: str, slow: str) -> None:
    """Connectors and actions pointing at the upstreams, made in one go."""
    site.manage(
        "shell",
        "--no-imports",
        "-c",
        "from connectors.models import Action, Connector\n"
        f"for i in range({CONNECTORS}):\n"
        f"    url = {fast!r} if i % 2 else {slow!r}\n"
        "    c = Connector.objects.create(name=f'load_{i:02d}', base_url=url,"
        " description=f'Load connector {i}')\n"
        f"    for name in {ACTIONS!r}:\n"
        "        Action.objects.create(connector=c, name=name, path='/v1/' + name)\n",
    )


class User(threading.Thread):
    def __init__(self, server_url: str, username: str, seed: int) -> None:
        super().__init__()
        self.url, self.deadline, self.random = server_url, 0.0, random.Random(seed)
        self.session = log_in(server_url, username)
        self.token = csrf_token(self.session, f"{server_url}/new/")
        self.samples: list[tuple[float, str, int, float]] = []  # (at, kind, status, ms)
        self.created: list[str] = []
        self.username = username

    def click(self, kind: str) -> requests.Response:
        connector = f"load_{self.random.randrange(CONNECTORS):02d}"
        action = f"{self.url}/connectors/{connector}/actions/{self.random.choice(ACTIONS)}/"
        if kind == "catalog":
            return self.session.get(f"{self.url}/?page={self.random.randint(1, 2)}", timeout=30)
        if kind == "search":
            return self.session.get(f"{self.url}/?q=load_{self.random.randrange(10)}", timeout=30)
        if kind == "connector":
            return self.session.get(f"{self.url}/connectors/{connector}/", timeout=30)
        if kind == "action":
            return self.session.get(action, timeout=30)
        if kind == "test":
            return press_test(self.session, action, self.token)
        name = f"made_{self.username}_{len(self.created)}"
        data = {**connector_form(name, "https://api.example.com"), "csrfmiddlewaretoken": ""}
        data["csrfmiddlewaretoken"] = self.token
        response = self.session.post(
            f"{self.url}/new/",
            data,
            headers={"Referer": f"{self.url}/new/"},
            timeout=30,
            allow_redirects=False,
        )
        if response.status_code == 302:
            self.created.append(name)
        return response

    def run(self) -> None:
        kinds, weights = zip(*CLICKS, strict=True)
        while time.monotonic() < self.deadline:
            kind = self.random.choices(kinds, weights)[0]
            start = time.perf_counter()
            try:
                status = self.click(kind).status_code
            except requests.RequestException:
                status = 0  # no answer at all
            self.samples.append(
                (time.monotonic(), kind, status, (time.perf_counter() - start) * 1000)
            )
            time.sleep(self.random.uniform(0.1, 0.5))


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 20

    def slowly(got: Received) -> Reply:
        time.sleep(random.uniform(0.05, 0.2))
        return Reply(body=b'{"object": "list", "data": [{"id": "a"}, {"id": "b"}]}')

    site = Site(Path(tempfile.mkdtemp()))
    names = tuple(f"user{i:02d}" for i in range(users))
    cut_at, cut = None, "n/a on SQLite (no server connection to cut)"
    try:
        site.prepare(users=names)
        with Upstream() as fast, Upstream() as slow:
            fast.reply = Reply(body=b'{"object": "list", "data": [{"id": "a"}]}')
            slow.handler = slowly
            seed(site, fast.url, slow.url)
            with Server(site, MAKE_SERVE, CONN_MAX_AGE="60") as server:
                crowd = [User(server.url, name, i) for i, name in enumerate(names)]
                started = time.monotonic()
                for user in crowd:
                    user.deadline = started + seconds
                    user.start()
                if site.pg_admin_url:
                    time.sleep(seconds / 2)
                    cut_at = time.monotonic()
                    cut = f"{site.terminate_connections()} connections cut"
                    cut += f" at {cut_at - started:.0f} s"
                for user in crowd:
                    user.join()
                elapsed = time.monotonic() - started
                checker = log_in(server.url, names[0])
                created = [name for user in crowd for name in user.created]
                missing = [
                    name
                    for name in created
                    if checker.get(f"{server.url}/connectors/{name}/", timeout=30).status_code
                    != 200
                ]
    finally:
        site.drop()

    samples = [s for user in crowd for s in user.samples]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _, kind, _, ms in samples:
        by_kind[kind].append(ms)
    server_errors = [s for s in samples if s[2] >= 500 or s[2] == 0]
    unexpected = [s for s in samples if s[2] not in (200, 302) and s not in server_errors]
    engine = "PostgreSQL" if site.pg_admin_url else "SQLite"
    print(f"Load: {users} users for {elapsed:.0f} s under `make serve` ({engine})")
    print(
        f"requests {len(samples)} ({len(samples) / elapsed:.0f}/s), "
        f"server errors (5xx or no answer) {len(server_errors)}, "
        f"other non-2xx/302 {len(unexpected)}"
    )
    print(f"{'kind':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, _ in CLICKS:
        times = by_kind[kind]
        print(
            f"{kind:<10} {len(times):>8} {statistics.median(times):>8.1f} "
            f"{percentile(times, 95):>8.1f} {percentile(times, 99):>8.1f} {max(times):>8.1f}"
        )
    all_ms = [ms for *_, ms in samples]
    print(
        f"{'all':<10} {len(all_ms):>8} {statistics.median(all_ms):>8.1f} "
        f"{percentile(all_ms, 95):>8.1f} {percentile(all_ms, 99):>8.1f} {max(all_ms):>8.1f}"
    )
    print(f"fault: {cut}")
    if cut_at is not None:
        after = [s for s in samples if cut_at <= s[0] - s[3] / 1000 < cut_at + 5]
        print(
            f"  requests started in the 5 s after the cut: {len(after)}, "
            f"errors {sum(1 for s in after if s[2] >= 500 or s[2] == 0)}, "
            f"p95 {percentile([s[3] for s in after], 95):.1f} ms"
        )
    print(f"connectors created during the run: {len(created)}, missing afterwards: {len(missing)}")
    for sample in server_errors[:10]:
        print("  server error:", sample)
    assert not server_errors and not missing and not unexpected


if __name__ == "__main__":
    main()
