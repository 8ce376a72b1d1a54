"""/api/v1/: the operations and their OpenAPI document (token auth, no login redirect), and
the docs page (a page of the site: it needs a login)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from connectors.api import docs
from connectors.api.app import api


def _without_login_redirect(patterns: list[URLPattern | URLResolver]) -> None:
    """The API answers 401 itself: LoginRequiredMiddleware must not send clients to a form."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _without_login_redirect(pattern.url_patterns)
        else:
            pattern.callback.login_required = False


_patterns, _app_name, _namespace = api.urls
_without_login_redirect(_patterns)

urlpatterns = [
    path("docs", docs.api_docs, name="api_docs"),
    path("", include((_patterns, _app_name), namespace=_namespace)),
]
