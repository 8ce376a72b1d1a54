"""Write the catalog (or the named connectors, with their monitors) as versioned JSON; secrets
never leave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.exporting import catalog
from connectors.models import Connector


class Command(BaseCommand):
    help = (
        "Export connectors with their actions and input args, and the monitors that run them, "
        "as JSON (no secret values; alert channels by name)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="connector Names (default: all)")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        connectors = Connector.objects.order_by("name")
        if names := options["names"]:
            connectors = connectors.filter(name__in=names)
            missing = sorted(set(names) - set(connectors.values_list("name", flat=True)))
            if missing:
                raise CommandError(f"No connector named {', '.join(missing)}.")
        text = catalog.dumps(catalog.export_catalog(connectors))
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            count = connectors.count()
            self.stderr.write(
                f"Wrote {count} connector{'s' if count != 1 else ''} to {options['output']}."
            )
        else:
            self.stdout.write(text, ending="")
