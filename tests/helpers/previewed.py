"""Create and Import only after a preview: these post the preview first and carry its digest."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

_DIGEST = re.compile(r'name="digest" value="([0-9a-f]*)"')


def shown_digest(page: str) -> str:
    """The digest a preview page carries for its Create or Import ("" when it shows none)."""
    found = _DIGEST.search(page)
    return found.group(1) if found else ""


def create_from_template(client: Client, url: str, answers: dict[str, Any], **kwargs: Any) -> Any:
    """Preview a gallery template with these answers, then press Create with that digest."""
    preview = client.post(url, answers | {"preview": "1"}).content.decode()
    return client.post(url, answers | {"digest": shown_digest(preview), "create": "1"}, **kwargs)


def import_catalog(client: Client, text: str, choices: dict[str, str] | None = None, **kwargs: Any):
    """Preview a catalog file, then press Import with that digest and these choices."""
    preview = client.post("/import/", {"text": text}).content.decode()
    data = {"document": text, "digest": shown_digest(preview), **(choices or {})}
    return client.post("/import/apply/", data, **kwargs)
