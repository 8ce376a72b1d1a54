"""The studio's URLs and /bench/hello/ (see hello_settings.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_http_methods

from studio.urls import urlpatterns as studio_urlpatterns


@require_http_methods(["GET", "POST"])
def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"hello {request.user.get_username()}")


urlpatterns = [path("bench/hello/", hello), *studio_urlpatterns]
