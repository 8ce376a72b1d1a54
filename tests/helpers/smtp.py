"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    """Start with `with SMTPSink() as sink:`; `sink.messages` holds (recipients, message)."""

    def __init__(self) -> None:
        self._keep = _Keep()
        self.port = _free_port()
        self._controller = Controller(self._keep, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        return self._keep.messages

    def mailer(self) -> dict[str, Any]:
        """The MAILERS entry that sends to this server, as EMAIL_URL=smtp://127.0.0.1:PORT does."""
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
        }
