"""Make a fresh local install usable: the OpenAI example connector and an admin login."""

from __future__ import annotations

import secrets as random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from connectors import roles
from connectors.catalog import writes
from connectors.models import Action, Connector
from connectors.secrets import homes, sealing

LOGIN_FILE = Path(settings.BASE_DIR) / ".admin-login"


class Command(BaseCommand):
    help = "Load the OpenAI example connector (unless present) and ensure a local admin login."

    def handle(self, *args: Any, **options: Any) -> None:
        self.ensure_admin()
        self.ensure_openai_example()

    def ensure_admin(self) -> None:
        if User.objects.filter(is_superuser=True).exists():
            if LOGIN_FILE.exists():
                self.stdout.write(f"Admin login: see {LOGIN_FILE.name}")
            return
        password = random.token_urlsafe(12)
        user = User.objects.create_superuser("admin", "admin@localhost", password)
        user.groups.add(Group.objects.get(name=roles.ADMIN))
        LOGIN_FILE.write_text(f"username: admin\npassword: {password}\n")
        LOGIN_FILE.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the local admin login: username admin, password {password} "
                f"(also saved in {LOGIN_FILE.name})."
            )
        )

    @transaction.atomic
    def ensure_openai_example(self) -> None:
        if Connector.objects.filter(name="OpenAI").exists():
            return
        connector = Connector(
            name="OpenAI",
            display_name="OpenAI",
            description="The OpenAI API with an API key (the walkthrough's example).",
            base_url="https://api.openai.com",
            auth_config=Connector.AuthConfig.API_KEY,
            auth_settings={
                "api_key_auth_type": "HEADER",
                "header_auth_key": "Authorization",
                "header_auth_value_pattern": "Bearer %s",
                "param_auth_param_name": "",
            },
            auth_secrets={"api_key": sealing.sealed_field("{{OPENAI_API_KEY}}", "setup")},
        )
        homes.settle(None, connector)
        # Version 1 in History, as every other route records it: its Base URL can be restored.
        note = "Loaded by manage.py setup_local."
        writes.save_connector(connector, user=None, note=note)
        action = Action(
            connector=connector,
            name="list_models",
            description="Lists the models available to the API key.",
            method=Action.Method.GET,
            path="/v1/models",
        )
        writes.save_action(action, user=None, note=note)
        self.stdout.write("Loaded the OpenAI example connector with the GET /v1/models action.")
