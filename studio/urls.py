from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest
from django.urls import include, path
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page says: answer with the studio's icon."""
    return FileResponse(open(finders.find("favicon.svg"), "rb"), content_type="image/svg+xml")


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("studio.accounts_urls")),
    path("api/v1/", include("connectors.api.urls")),
    path("", include("connectors.urls")),
]
