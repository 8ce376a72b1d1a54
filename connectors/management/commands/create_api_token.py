"""Create a personal API token for a user; the token is the last line printed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.secrets import tokens


class Command(BaseCommand):
    help = (
        "Create a personal API token for USERNAME, acting with that user's role. The token is "
        "printed once, as the last line; only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--days",
            type=int,
            default=90,
            help=f"Days until it expires (default 90, at most {tokens.MAX_DAYS}; 0: no expiry).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("--name is 1 to 100 characters.")
        days = options["days"]
        if not 0 <= days <= tokens.MAX_DAYS:
            raise CommandError(f"--days is 0 (no expiry) to {tokens.MAX_DAYS}.")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']}.")
        if not user.is_active:
            raise CommandError(f"{user.get_username()} is not active: a token would not work.")
        record, token = tokens.issue(user, name, days)
        expiry = f"expires {record.expires_at:%Y-%m-%d %H:%M} UTC" if days else "never expires"
        self.stdout.write(
            f"Token {name} for {user.get_username()} ({expiry}). Copy it now: it is not shown "
            "again."
        )
        self.stdout.write(token)
