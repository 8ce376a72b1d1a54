"""Import API at scale: a 1,000-operation OpenAPI description (about 10 MB of JSON, the size of
GitHub's REST API) previewed and created, its peak memory, and the connector page it makes.

    .venv/bin/python bench/api_import.py [runs]

Generates the description (components shared by $ref, parameters, request bodies, long
descriptions), then on a fresh database (a temporary SQLite file; with DATABASE_URL, a new
PostgreSQL database, dropped at the end) measures through the whole Django stack with DEBUG
off: Preview (upload, read, compare, render) and Create (one transaction, bulk inserts,
history), median of `runs` (default 5) each; the peak memory of reading and applying
(tracemalloc) against the document's size; and the 1,000-action connector page: queries and
the median of 30 renders. Budgets: preview 5 s, create 10 s, memory under 10x, page 10
queries and 100 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.servers import Site  # noqa: E402

SITE = Site(Path(tempfile.mkdtemp()))
os.environ.update(SITE.env)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["STUDIO_MAX_IMPORT_BYTES"] = str(25 * 1024 * 1024)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from connectors.importing import apply, sources  # noqa: E402
from connectors.importing.plan import (
    Choices,  # noqa: E402
    ReadOptions,  # noqa: E402
)
from connectors.importing.readers.description import read_plan  # noqa: E402
from connectors.models import Connector, Revision  # noqa: E402

OPERATIONS = 1000
RESOURCES = ["repos", "issues", "pulls", "users", "orgs", "teams", "actions", "gists", "checks"]
LOREM = (
    "Lists the resources the authenticated user can see, newest first. The response is "
    "paginated: follow the Link header for the next page. Fine-grained tokens need the "
    "matching read permission; classic tokens need the repo scope for private resources. "
)


def description_document(operations: int = OPERATIONS) -> dict:
    """An OpenAPI 3.0 description shaped like GitHub's: shared schemas and parameters."""
    schemas = {}
    for n in range(300):
        props = {
            f"field_{k}": {
                "type": ["string", "integer", "boolean"][k % 3],
                "description": LOREM[: 60 + k * 8],
                "example": f"value {k}",
            }
            for k in range(40)
        }
        props["owner"] = {"$ref": f"#/components/schemas/s{(n + 1) % 300}"}
        props["items"] = {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/s{(n + 7) % 300}"},
        }
        schemas[f"s{n}"] = {"type": "object", "required": ["field_0"], "properties": props}
        schemas[f"input{n}"] = {
            "type": "object",
            "required": ["field_0"],
            "properties": dict(list(props.items())[:12]),
        }
    parameters = {
        "per_page": {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "default": 30},
        },
        "page": {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
        "owner": {"name": "owner", "in": "path", "required": True, "schema": {"type": "string"}},
    }
    paths: dict = {}
    methods = ["get", "post", "patch", "delete", "put"]
    for n in range(operations):
        resource = RESOURCES[n % len(RESOURCES)]
        path = f"/{resource}/{{owner}}/things{n // len(methods)}/{{id}}"
        method = methods[n % len(methods)]
        operation = {
            "operationId": f"{resource}/{method}-thing-{n}",
            "summary": f"{method.upper()} thing {n}",
            "description": LOREM * 30,
            "tags": [resource],
            "parameters": [
                {"$ref": "#/components/parameters/owner"},
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"$ref": "#/components/parameters/per_page"},
                {"$ref": "#/components/parameters/page"},
                {"name": "X-GitHub-Api-Version", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/s{n % 300}"}}
                    },
                },
                "404": {"description": "Not found"},
            },
        }
        if method in ("post", "patch", "put"):
            operation["requestBody"] = {
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/input{(n + 3) % 300}"}
                    }
                }
            }
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Big API", "version": "1.0.0", "description": LOREM},
        "servers": [{"url": "https://api.big.test"}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "parameters": parameters,
        },
        "security": [{"token": []}],
        "paths": paths,
    }


def preview_form(html: str) -> dict:
    from tests.views.test_importing_api import form_of

    class Response:
        content = html.encode()

    return form_of(Response())


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    user = User.objects.create_superuser("bench", "bench@example.com", "bench-pass-1")
    client = Client()
    client.force_login(user)

    data = json.dumps(description_document(), indent=1).encode()
    size_mb = len(data) / 1024 / 1024
    print(f"Description: {OPERATIONS} operations, {size_mb:.1f} MB of JSON")

    def do_preview() -> str:
        upload = SimpleUploadedFile("big.json", data, content_type="application/json")
        response = client.post("/import-api/", {"file": upload, "preview": "1"})
        assert response.status_code == 200, response.content[:500]
        return response.content.decode()

    def do_create(html: str) -> None:
        form = preview_form(html) | {"create": "1"}
        response = client.post("/import-api/", form)
        assert response.status_code == 302, response.content[:2000]

    html = do_preview()  # warm up
    previews = [timed(do_preview) for _ in range(runs)]
    creates = []
    for _ in range(runs):
        html = do_preview()
        creates.append(timed(lambda html=html: do_create(html)))
        count = Connector.objects.get(name="big_api").actions.count()
        assert count == OPERATIONS, count
        if len(creates) < runs:
            Connector.objects.all().delete()
            Revision.objects.all().delete()

    connector = Connector.objects.get(name="big_api")
    url = connector.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    page_queries = len(queries)
    renders = []
    for _ in range(30):
        start = time.perf_counter()
        client.get(url)
        renders.append((time.perf_counter() - start) * 1000)

    Connector.objects.all().delete()
    source = sources.Source("file big.json", data)
    holder: dict = {}
    read_peak = peak_mb(lambda: holder.update(plan=read_plan(source, ReadOptions())))
    plan = holder["plan"]
    apply_peak = peak_mb(lambda: apply.apply(plan, Choices(), user, may_set_credentials=False))

    engine = connection.vendor
    preview_s, create_s = statistics.median(previews), statistics.median(creates)
    page_ms = statistics.median(renders)
    print(f"Median of {runs} runs each ({engine}, {os.cpu_count()} cores):")
    print(f"  preview (upload, read, compare, render):  {preview_s:6.2f} s   (budget 5 s)")
    print(f"  create  (one transaction, bulk inserts):  {create_s:6.2f} s   (budget 10 s)")
    print(
        f"  peak memory reading: {read_peak:6.1f} MB = {read_peak / size_mb:.1f}x the document; "
        f"applying: {apply_peak:6.1f} MB = {apply_peak / size_mb:.1f}x   (budget 10x)"
    )
    print(
        f"  connector page, {OPERATIONS} actions: {page_queries} queries (budget 10), "
        f"median {page_ms:.1f} ms of 30 renders (budget 100 ms)"
    )
    connection.close()
    SITE.drop()


if __name__ == "__main__":
    main()
