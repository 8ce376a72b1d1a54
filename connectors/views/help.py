"""The README as a page: the studio's messages link to its sections (/help/#section)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from connectors.lib import markdown

README = Path(settings.BASE_DIR) / "README.md"


@cache
def _readme_html() -> str:
    return markdown.render_document(README.read_text(encoding="utf-8"))


@require_GET
def readme(request: HttpRequest) -> HttpResponse:
    """Anyone logged in: it holds no secret and no catalog data."""
    return render(request, "connectors/catalog/help.html", {"readme": mark_safe(_readme_html())})  # noqa: S308 nh3-sanitized
