"""Test round trip through the Django stack versus the same request made directly.

    .venv/bin/python bench/roundtrip.py [runs]

An HTMX POST to the Test view (inputs form, executor, outbound, TestRun stored, result partial
rendered) against a local upstream, next to `requests.get` of the same URL, for a 2 KB and a
1 MB JSON body; median of `runs` (default 200) each, measured in one run. Prints the added
milliseconds and the ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp()
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ["STATIC_ROOT"] = f"{TMP}/static"  # DEBUG off serves hashed files: collected below
os.environ["STUDIO_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ["STUDIO_OUTBOUND_ALLOW"] = "127.0.0.1"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["DEBUG"] = "false"  # measured as served in production

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from connectors.models import Action, Connector  # noqa: E402
from tests.upstream import Reply, Upstream  # noqa: E402

SIZES = [("2 KB", 2 * 1024), ("1 MB", 1024 * 1024)]


def json_body(size: int) -> bytes:
    items, body = [], b"[]"
    while len(body) < size:
        items.append({"id": f"model-{len(items)}", "object": "model", "owned_by": "team", "n": 1})
        body = json.dumps({"object": "list", "data": items}).encode()
    return body


def median_ms(fn, runs: int) -> float:
    fn()  # warm up: connection pools, template caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-pass-1")
    user.groups.add(Group.objects.get(name="Developer"))
    client = Client()
    client.force_login(user)
    session = requests.Session()
    print(f"Test round trip, median of {runs} runs each ({os.cpu_count()} cores)")
    print(f"{'body':>8} {'direct ms':>10} {'studio ms':>10} {'added ms':>9} {'ratio':>6}")
    with Upstream() as upstream:
        connector = Connector.objects.create(name="Bench", base_url=upstream.url)
        action = Action.objects.create(connector=connector, name="models", path="/v1/models")
        url = f"{action.get_absolute_url()}test/"
        for label, size in SIZES:
            upstream.reply = Reply(body=json_body(size))

            def studio() -> None:
                response = client.post(url, HTTP_HX_REQUEST="true")
                assert b"200 OK" in response.content

            def direct() -> None:
                session.get(f"{upstream.url}/v1/models").raise_for_status()

            direct_ms = median_ms(direct, runs)
            studio_ms = median_ms(studio, runs)
            print(
                f"{label:>8} {direct_ms:>10.2f} {studio_ms:>10.2f} "
                f"{studio_ms - direct_ms:>9.2f} {studio_ms / direct_ms:>6.1f}x"
            )


if __name__ == "__main__":
    main()
