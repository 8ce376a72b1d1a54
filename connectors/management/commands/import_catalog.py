"""Import a catalog JSON file: print the plan, then apply it in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.catalog.document import FormatError
from connectors.importing import apply, catalog_compare
from connectors.importing.readers import catalog


class Command(BaseCommand):
    help = (
        "Import connectors from a catalog JSON file. Conflicts (same Name, different content) "
        "are skipped unless --overwrite; --dry-run prints the plan and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file, or - for standard input")
        parser.add_argument("--overwrite", action="store_true", help="overwrite conflicts")
        parser.add_argument("--dry-run", action="store_true", help="print the plan only")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
            document = catalog.parse(text)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except FormatError as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        plan = catalog_compare.plan(document)
        conflict = "overwrite" if options["overwrite"] else "skip"
        for item in plan.items:
            status = f"conflict ({conflict})" if item.status == "conflict" else item.status
            details = []
            if item.changed_fields:
                details.append("fields: " + ", ".join(item.changed_fields))
            if item.added_actions:
                details.append("new actions: " + ", ".join(item.added_actions))
            if item.changed_actions:
                details.append("changed actions: " + ", ".join(item.changed_actions))
            if item.removed_actions and options["overwrite"]:
                details.append("removed actions: " + ", ".join(item.removed_actions))
            if item.unset_secrets:
                details.append("secrets to set: " + ", ".join(item.unset_secrets))
            suffix = f" ({'; '.join(details)})" if details else ""
            self.stdout.write(f"{status:<20} {item.name}{suffix}")
        for monitor in plan.monitors:
            status = f"conflict ({conflict})" if monitor.status == "conflict" else monitor.status
            details = [monitor.problem] if monitor.problem else []
            if monitor.changed_fields:
                details.append("fields: " + ", ".join(monitor.changed_fields))
            if monitor.missing_channels:
                details.append("channels not here: " + ", ".join(monitor.missing_channels))
            suffix = f" ({'; '.join(details)})" if details else ""
            self.stdout.write(f"{status:<20} monitor {monitor.name}{suffix}")
        if plan.missing_credentials:
            self.stdout.write("Credentials to create: " + ", ".join(plan.missing_credentials))
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        choices = {item.name: conflict for item in plan.items}
        monitor_choices = {monitor.name: conflict for monitor in plan.monitors}
        apply.apply_catalog(document, choices, None, monitor_choices)
        self.stdout.write(self.style.SUCCESS("Imported."))
