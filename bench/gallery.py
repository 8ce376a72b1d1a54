"""The template gallery: queries and median render time of its pages, next to the catalog's.

    .venv/bin/python bench/gallery.py [runs]

A fresh database (a temporary SQLite file; with DATABASE_URL on PostgreSQL, a new database on
that server, dropped at the end) with 20 credentials and 200 connectors. Renders, through the
whole Django stack with DEBUG off: the gallery, a search partial as typing sends it, a filtered
gallery, the OpenAI template's form and a Preview POST of it, and the catalog page as the
baseline measured in the same run. Prints SQL queries per page and the median of `runs`
renders (default 30), measured in interleaved rounds (every page once a round, the order
rotated), each with its ratio to the catalog's.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interleave import interleaved, median  # noqa: E402
from tests.helpers.servers import Site  # noqa: E402

SITE = Site(Path(tempfile.mkdtemp()))
os.environ.update(SITE.env)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from connectors.catalog.queries import PAGES  # noqa: E402
from connectors.models import Connector, Credential  # noqa: E402
from connectors.secrets import sealing  # noqa: E402

PREVIEW = {
    "name": "openai_bench",
    "secret_0_source": "value",
    "secret_0_value": "sk-bench-0123456789abcdef",
    "preview": "1",
}


def request(client: Client, method: str, url: str, **extra: object) -> Callable[[], object]:
    send = client.post if method == "POST" else client.get
    if url == "/":  # the catalog rendered afresh, not as its view keeps it between changes
        return lambda: (PAGES.bump(), send(url, **extra))[1]
    return lambda: send(url, **extra)


def queries_of(send: Callable[[], object]) -> int:
    send()  # warm up: template caches, connection
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == 200, response.status_code
    return len(queries)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    user = User.objects.create_superuser("bench", "bench@example.com", "bench-pass-1")
    Credential.objects.bulk_create(
        Credential(name=f"CRED_{i:02d}", sealed=sealing.seal(f"value-{i}")) for i in range(20)
    )
    Connector.objects.bulk_create(
        Connector(name=f"c{i:04d}", base_url=f"https://api{i}.example.com") for i in range(200)
    )
    client = Client()
    client.force_login(user)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "gallery-results"}
    pages = [
        ("catalog (baseline)", "GET", "/", {}),
        ("gallery", "GET", "/templates/", {}),
        ("search partial q=oauth", "GET", "/templates/", {"data": {"q": "oauth"}, **htmx}),
        ("gallery auth=JWT", "GET", "/templates/", {"data": {"auth": "JWT"}}),
        ("OpenAI template form", "GET", "/templates/openai-api-key/", {}),
        ("OpenAI Preview POST", "POST", "/templates/openai-api-key/", {"data": PREVIEW}),
    ]
    sends = {label: request(client, method, url, **extra) for label, method, url, extra in pages}
    counts = {label: queries_of(send) for label, send in sends.items()}
    times = interleaved(sends, rounds=runs)  # every page once a round, the order rotated
    results = [(label, counts[label], median(times[label])) for label in sends]
    baseline = results[0][2]
    print(f"{runs} renders each, {connection.vendor}; median ms, ratio to the catalog page")
    for label, queries, ms in results:
        print(f"  {label:26} {queries:3d} queries  {ms:7.2f} ms  x{ms / baseline:5.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        SITE.drop()
