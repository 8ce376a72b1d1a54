"""Write a connector as an OpenAPI 3.1 document to standard output; no secret leaves."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.exporting import openapi
from connectors.models import Connector


class Command(BaseCommand):
    help = "Write a connector's OpenAPI 3.1 document (servers, paths, securitySchemes) to stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the connector's Name")

    def handle(self, *args: Any, **options: Any) -> None:
        connector = Connector.objects.filter(name=options["name"]).first()
        if connector is None:
            raise CommandError(f"No connector named {options['name']}.")
        self.stdout.write(openapi.dumps(openapi.export_openapi(connector)), ending="")
