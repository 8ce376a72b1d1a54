"""Django's auth views (as django.contrib.auth.urls has them), the password reset pages only
when the site can send email."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth import views
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def only_with_email(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page that exists only when email is configured (PASSWORD_RESET_ENABLED)."""

    @wraps(view)  # keeps login_not_required: the reset pages are for people logged out
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404("Password reset needs email (EMAIL_URL or EMAIL_BACKEND).")
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    *[
        path(route, only_with_email(view.as_view()), name=name)
        for route, view, name in [
            ("password_reset/", views.PasswordResetView, "password_reset"),
            ("password_reset/done/", views.PasswordResetDoneView, "password_reset_done"),
            ("reset/<uidb64>/<token>/", views.PasswordResetConfirmView, "password_reset_confirm"),
            ("reset/done/", views.PasswordResetCompleteView, "password_reset_complete"),
        ]
    ],
]
