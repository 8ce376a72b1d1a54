"""Error reports that never show a secret, with DEBUG on or off.

Django's own filter cleanses only when DEBUG is off, and only what is marked sensitive. Here
every report is cleansed: local variables show their type alone, every POSTed value and every
request header or environment entry that may carry a credential is hidden, settings that
look like credentials or URLs with passwords are hidden, and the exception's own message is
masked with the secrets this request had decrypted, in every encoding.
"""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from connectors.secrets import sealing

# Request meta entries shown as they are; anything else (cookies, credentials, the server's
# environment under runserver) is hidden.
SHOWN_META = frozenset(
    {
        "REQUEST_METHOD",
        "PATH_INFO",
        "QUERY_STRING",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "SERVER_NAME",
        "SERVER_PORT",
        "REMOTE_ADDR",
        "HTTP_HOST",
        "HTTP_ACCEPT",
        "HTTP_ACCEPT_LANGUAGE",
        "HTTP_USER_AGENT",
        "HTTP_REFERER",
        "HTTP_HX_REQUEST",
        "HTTP_HX_TARGET",
        "HTTP_HX_CURRENT_URL",
    }
)
# Scalars that cannot carry a secret: the only local variables shown with their value.
_SHOWN_TYPES = (bool, int, float, type(None))
_URL_PASSWORD_RE = re.compile(r"(://[^/@\s:]*:)[^/@\s]*@")


class SecretSafeFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CREDENTIAL|PRIVATE|SESSION|CSRF"
        "|LOCATION|DSN|DATABASE_URL|CACHE_URL|EMAIL_URL",
        flags=re.I,
    )

    def is_active(self, request: Any) -> bool:
        return True  # DEBUG too: a Developer may see the technical page of a shared server

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if type(cleansed) is str:  # not a lazy object that only looks like one
            return _URL_PASSWORD_RE.sub(rf"\g<1>{self.cleansed_substitute}@", cleansed)
        return cleansed

    def get_safe_request_meta(self, request: Any) -> dict[str, Any]:
        if not hasattr(request, "META"):
            return {}
        return {
            key: value if key in SHOWN_META else self.cleansed_substitute
            for key, value in request.META.items()
        }

    def get_safe_cookies(self, request: Any) -> dict[str, Any]:
        return dict.fromkeys(getattr(request, "COOKIES", {}), self.cleansed_substitute)

    def get_post_parameters(self, request: Any) -> Any:
        if request is None:
            return {}
        return self._cleanse_multivaluedict(request.POST, "__ALL__")

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [
            (name, value if isinstance(value, _SHOWN_TYPES) else f"<{type(value).__name__}>")
            for name, value in tb_frame.f_locals.items()
        ]


class SecretSafeReporter(ExceptionReporter):
    """The exception's message and its causes' are masked; no text around a Unicode error."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        known = sealing.in_play()
        data["unicode_hint"] = ""
        if "exception_value" in data:
            data["exception_value"] = sealing.redact(str(data["exception_value"]), known)
        if "exception_notes" in data:
            data["exception_notes"] = sealing.redact(data["exception_notes"], known)
        for frame in data["frames"]:
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = sealing.redact(str(frame["exc_cause"]), known)
        return data
