"""Slow APIs do not block the team: 16 Tests at once while others browse the catalog.

    .venv/bin/python bench/concurrency.py

Starts the production command (`make serve`: gunicorn, gthread workers) on a fresh database
(a temporary SQLite file, or a new database on DATABASE_URL's PostgreSQL server) and a local
upstream that answers every request after 1 s. Then presses Test 16 times at once, from 16
clients, while another client loads the catalog page in a loop. Prints the wall time until the
last Test answered (budget 2.5 s) and the catalog's median and p95 during the burst (budget
200 ms), next to the catalog's own figures with the server idle, measured in the same run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.helpers.servers import (
    MAKE_SERVE,
    Server,
    Site,
    create_action,
    create_connector,
    csrf_token,
    log_in,
    press_test,
)
from tests.helpers.upstream import Received, Reply, Upstream  # noqa: E402

TESTS = 16
UPSTREAM_DELAY = 1.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def clone(session: requests.Session) -> requests.Session:
    """Another client with the same login: requests.Session is not shared across threads."""
    copy = requests.Session()
    copy.cookies.update(session.cookies)
    return copy


def catalog_times(session: requests.Session, url: str, stop: threading.Event) -> list[float]:
    times = []
    while not stop.is_set():
        start = time.perf_counter()
        response = session.get(url, timeout=30)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def main() -> None:
    def slow(got: Received) -> Reply:
        time.sleep(UPSTREAM_DELAY)
        return Reply(body=b'{"object": "list", "data": []}')

    site = Site(Path(tempfile.mkdtemp()))
    try:
        site.prepare()
        with Upstream() as upstream, Server(site, MAKE_SERVE) as server:
            upstream.handler = slow
            session = log_in(server.url, "alice")
            create_connector(session, server.url, "Slow", upstream.url)
            action_url = create_action(session, server.url, "Slow", "models", "/v1/models")
            for i in range(30):  # a catalog worth a page
                create_connector(session, server.url, f"Other{i}", "https://api.example.com")
            token = csrf_token(session, action_url)
            catalog = f"{server.url}/"
            # Warm up every worker and thread: imports, templates, connections.
            warm = [threading.Thread(target=press_test, args=(clone(session), action_url, token))]
            warm += [threading.Thread(target=clone(session).get, args=(catalog,)) for _ in range(8)]
            for thread in warm:
                thread.start()
            for thread in warm:
                thread.join()

            stop = threading.Event()
            idle: list[float] = []
            poller = threading.Thread(
                target=lambda: idle.extend(catalog_times(session, catalog, stop))
            )
            poller.start()
            time.sleep(3)
            stop.set()
            poller.join()

            clients = [clone(session) for _ in range(TESTS)]
            barrier = threading.Barrier(TESTS + 1)
            answers: list[tuple[float, requests.Response]] = []

            def one_test(client: requests.Session) -> None:
                barrier.wait()
                response = press_test(client, action_url, token)
                answers.append((time.perf_counter(), response))

            threads = [threading.Thread(target=one_test, args=(c,)) for c in clients]
            for thread in threads:
                thread.start()
            stop = threading.Event()
            busy: list[float] = []
            poller = threading.Thread(
                target=lambda: busy.extend(catalog_times(session, catalog, stop))
            )
            barrier.wait()
            started = time.perf_counter()
            poller.start()
            for thread in threads:
                thread.join()
            stop.set()
            poller.join()
            wall = max(at for at, _ in answers) - started
            assert all(r.status_code == 200 and "200 OK" in r.text for _, r in answers)
            workers = len(server.worker_pids())
    finally:
        site.drop()

    print(
        f"Concurrency under `make serve` ({workers} gthread workers x 16 threads), "
        f"upstream answers in {UPSTREAM_DELAY:.0f} s"
    )
    print(f"{TESTS} Tests at once: all answered 200 OK in {wall:.2f} s (budget 2.5 s)")
    print(f"{'catalog page':<22} {'requests':>8} {'median ms':>10} {'p95 ms':>8}")
    for label, times in [("idle", idle), (f"during {TESTS} Tests", busy)]:
        print(
            f"{label:<22} {len(times):>8} {statistics.median(times):>10.1f} "
            f"{percentile(times, 95):>8.1f}"
        )
    print(
        f"p95 during / idle: {percentile(busy, 95) / percentile(idle, 95):.1f}x "
        "(budget: p95 under 200 ms)"
    )
    assert wall < 2.5 and percentile(busy, 95) < 200


if __name__ == "__main__":
    main()
