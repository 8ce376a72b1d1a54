"""A binary response body: what the Test panel says of it, and the download of its stored bytes.

The bytes are served as an attachment under a CSP of their own (`default-src 'none'; sandbox`)
and `X-Content-Type-Options: nosniff`, so a body that claims to be an image but holds a page
never runs as one. PNG, JPEG, GIF and WebP are shown inline through the same URL, and only
when their first bytes are that format's signature; SVG stays text (it can carry scripts).
"""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from connectors.models import Action, TestRun
from connectors.views.access import require

# The formats a browser shows in <img>, and the bytes each file starts with.
IMAGE_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
}
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_MIME_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
# Types a browser could run or render as a page: downloaded as plain bytes instead.
_ACTIVE = ("html", "xml", "javascript", "ecmascript", "pdf")


def mime_of(content_type: str) -> str:
    mime = content_type.partition(";")[0].strip().lower()
    return mime if _MIME_RE.fullmatch(mime) else ""


def is_image(mime: str, data: bytes) -> bool:
    """An image we show inline: a type we allow, and bytes that start as that type does."""
    starts = IMAGE_SIGNATURES.get(mime, ())
    if not any(data.startswith(start) for start in starts):
        return False
    return mime != "image/webp" or data[8:12] == b"WEBP"


def binary_context(run: TestRun) -> dict[str, object] | None:
    """What the panel shows of a binary body: type, size, and a download (an image inline)."""
    if run.error_kind or not run.is_binary:
        return None
    data = bytes(run.response_bytes or b"")
    mime = mime_of(run.content_type)
    url = ""
    if data:
        url = reverse(
            "run_body_download", args=[run.action.connector.name, run.action.name, run.pk]
        )
    return {
        "type": mime or "unknown type",
        "size": run.size or 0,
        "download_url": url,
        "image": bool(url) and is_image(mime, data),
        "withheld": run.bytes_withheld,
    }


@require_GET
def run_body_download(request: HttpRequest, name: str, action_name: str, pk: int) -> HttpResponse:
    """The stored bytes of a Test run's binary body, for whoever may see that run."""
    require(request, "view_action")
    action = get_object_or_404(Action, connector__name=name, name=action_name)
    record = get_object_or_404(TestRun, pk=pk, action=action)
    data = bytes(record.response_bytes or b"")
    if not record.is_binary or not data:
        raise Http404("This run kept no bytes to download.")
    mime = mime_of(record.content_type)
    if not mime or any(word in mime for word in _ACTIVE):
        mime = "application/octet-stream"
    extension = _EXTENSIONS.get(mime, "bin")
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = (
        f'attachment; filename="{action.name}-{record.pk}.{extension}"'
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
