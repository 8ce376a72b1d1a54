"""The OAuth 2.0 token broker: what a cached token costs, and one token request for many Tests.

    .venv/bin/python bench/oauth_broker.py [runs]

Against the tests' local authorization server (tests/oauth_server.py) on a temporary SQLite
database: the median time of auth.apply() with the token in the cache, of a whole Test with a
cached token and of one with a token request, measured in interleaved rounds; then 50 Tests
started at once on threads with an empty cache (a token endpoint taking 200 ms), counting the
token requests that reached it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ.update(
    DATABASE_URL=f"sqlite:///{DB}",
    DEBUG="true",
    STUDIO_OUTBOUND_ALLOW="127.0.0.1",
    DJANGO_SETTINGS_MODULE="studio.settings",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from bench.interleave import interleaved, median  # noqa: E402
from connectors.engine import executor  # noqa: E402
from connectors.engine.auth import strategies as auth  # noqa: E402
from tests.helpers.factories import make_action, make_connector  # noqa: E402
from tests.helpers.oauth_server import AuthServer  # noqa: E402


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    with AuthServer() as server:
        connector = make_connector(
            "Bench",
            base_url=server.url,
            auth_config="OAUTH2",
            auth_settings={
                "oauth2_grant_type": "client_credentials",
                "client_id": server.client_id,
                "oauth2_token_url": server.token_url,
                "oauth2_client_authentication": "BASIC_AUTH_HEADER",
            },
            secrets={"client_secret": server.client_secret},
        )
        action = make_action(connector, "ping", path="/v1/ping")
        executor.run(action, {}, None)  # warm up: a token in the cache

        def cold() -> None:
            cache.clear()
            executor.run(action, {}, None)  # and the new token is cached for the others

        # Interleaved rounds (each case once a round, the order rotated): one load for all.
        times = interleaved(
            {
                "apply": lambda: auth.apply(connector, f"{server.url}/v1/ping"),
                "cached": lambda: executor.run(action, {}, None),
                "cold": cold,
            },
            rounds=runs,
        )
        cached_apply, cached_test, cold_test = (
            median(times[c]) for c in ("apply", "cached", "cold")
        )

        cache.clear()
        server.token_requests.clear()
        server.delay = 0.2
        barrier = threading.Barrier(50)

        def one() -> None:
            barrier.wait()
            try:
                executor.run(action, {}, None)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=one) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        concurrent_requests = len(server.token_requests)

    print(f"auth.apply() with a cached token:   {cached_apply * 1000:8.0f} µs (median of {runs})")
    print(f"Test with a cached token:           {cached_test:8.2f} ms")
    print(f"Test with a token request first:    {cold_test:8.2f} ms")
    print(f"50 Tests at once, empty cache:      {concurrent_requests:8d} token request(s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
