"""The catalog page's throughput under gunicorn versus a logged-in "hello" page, in one run.

    [DATABASE_URL=postgres://...] .venv/bin/python bench/serve.py [rounds] [seconds]

Serves a fresh site as `make serve` does (gunicorn.conf.py, persistent database connections),
with /bench/hello/ added (bench/hello_settings.py), and 100 connectors (two catalog pages).
Each round (default 10) runs 8 logged-in clients for `seconds` (default 2) against the hello
page, then against the catalog, the order swapped every other round. Prints the median
requests per second of each and the median of the rounds' ratios (target: the catalog serves
at least half as many as hello).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.servers import Server, Site, log_in  # noqa: E402

CLIENTS = 8
CONNECTORS = (
    "from django.contrib.auth.models import Group, User\n"
    "from connectors.models import Connector\n"
    "bob = User.objects.create_user('bob', 'bob@example.com', 'pass-servers-1')\n"
    "bob.groups.add(Group.objects.get(name='Developer'))\n"
    "Connector.objects.bulk_create(Connector(name=f'api_{n:03d}', updated_by=bob,\n"
    "    base_url=f'https://api{n}.example.com') for n in range(100))"
)


def throughput(sessions: list, url: str, seconds: float) -> float:
    """Requests per second that `sessions` get answered from `url`, one thread each."""
    done = [0] * len(sessions)
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop:
            response = sessions[index].get(url, timeout=30)
            assert response.status_code == 200, response.status_code
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(sessions))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    site = Site(Path(tempfile.mkdtemp()))
    site.prepare(users=())
    site.manage("shell", "-c", CONNECTORS)
    try:
        with Server(site, DJANGO_SETTINGS_MODULE="bench.hello_settings") as server:
            sessions = [log_in(server.url, "bob") for _ in range(CLIENTS)]
            pages = {"hello": f"{server.url}/bench/hello/", "catalog": f"{server.url}/"}
            rates: dict[str, list[float]] = {name: [] for name in pages}
            for url in pages.values():  # warm up every worker thread
                throughput(sessions, url, 1.0)
            for number in range(rounds):
                order = list(pages) if number % 2 == 0 else list(pages)[::-1]
                for name in order:
                    rates[name].append(throughput(sessions, pages[name], seconds))
    finally:
        site.drop()
    ratios = [c / h for c, h in zip(rates["catalog"], rates["hello"], strict=True)]
    print(
        f"Catalog vs hello under gunicorn, {rounds} interleaved rounds of {seconds:g} s, "
        f"{CLIENTS} clients ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"
    )
    for name in pages:
        print(f"  {name:8} {statistics.median(rates[name]):7.1f} requests/s (median)")
    print(f"  catalog / hello: {statistics.median(ratios):.2f} (median of the rounds' ratios)")


if __name__ == "__main__":
    main()
