"""Import an OpenAPI, Swagger or Postman description from a path or URL: print the plan; apply
it (one transaction, recorded in history) only with --apply. Exit status 0 when it could."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from connectors.importing import apply, hosts, sources
from connectors.importing.compare import check_choices
from connectors.importing.plan import KEEP, UPDATE, Choices, ReadError, ReadOptions
from connectors.importing.readers.description import read_plan


class Command(BaseCommand):
    help = (
        "Import an API description (OpenAPI 3.x, Swagger 2.0, Postman v2) as a connector with "
        "one action per operation. Prints the plan; writes only with --apply."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source", help="a file path, or an http(s) URL fetched through the outbound guard"
        )
        parser.add_argument(
            "--connector", default="", help="the connector Name to create or import into"
        )
        parser.add_argument(
            "--base-url", default="", help="the Base URL (one of the servers, or another)"
        )
        parser.add_argument(
            "--update-connector",
            action="store_true",
            help="for an existing connector, also take the description's Base URL and Auth Config",
        )
        parser.add_argument(
            "--apply", action="store_true", help="write the plan (default: print it only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source_text = options["source"]
        try:
            if source_text.lower().startswith(("http://", "https://")):
                source = sources.fetch(source_text)
            else:
                path = Path(source_text)
                if path.stat().st_size > sources.max_bytes():
                    raise sources.too_large()
                source = sources.Source(f"file {path.name}", path.read_bytes())
            options_ = ReadOptions(
                connector_name=options["connector"],
                base_url=options["base_url"],
                source_url=source_text if source_text.lower().startswith("http") else "",
            )
            plan = read_plan(source, options_)
        except OSError as error:
            raise CommandError(f"Cannot read {source_text}: {error.strerror}.") from None
        except ReadError as error:
            raise CommandError(f"Nothing was imported: {error}") from None

        choices = Choices(connector_mode=UPDATE if options["update_connector"] else KEEP)
        self._print(plan, choices)
        problems = check_choices(plan, choices)
        problems += [p for other in plan.others for p in check_choices(other, Choices())]
        if problems:
            raise CommandError("Nothing was imported: " + " ".join(problems))
        if not options["apply"]:
            self.stdout.write("Dry run: nothing was written (add --apply to import).")
            return
        try:
            outcome = apply.apply_all(plan, choices, None, may_set_credentials=False)
        except IntegrityError:
            raise CommandError(
                "Nothing was imported: a name was taken meanwhile; run it again."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported into {outcome.connector.name}: {outcome.summary()}.")
        )
        for note in outcome.notes:
            if note.startswith("Connector "):
                self.stdout.write(self.style.SUCCESS(note))

    def _print(self, plan: Any, choices: Choices) -> None:
        write = self.stdout.write
        write(f"Source: {plan.source} ({plan.kind})")
        verb = "existing connector" if plan.target_exists else "new connector"
        write(
            f"Connector: {plan.connector.name} ({verb}), "
            f"Base URL {plan.connector.base_url or '(none)'}"
        )
        if len(plan.connector.base_url_choices) > 1:
            write(
                "  servers: "
                + ", ".join(plan.connector.base_url_choices)
                + " (choose with --base-url)"
            )
        write(f"Auth Config: {plan.auth.auth_config}")
        counts = {"create": 0, "update": 0, "skip": 0}
        for index, action in enumerate(plan.actions):
            what = choices.resolution(index, action)
            counts["skip" if what == "skip" else "update" if what == "overwrite" else "create"] += 1
            shown = {"create": "create", "rename": "create", "overwrite": "update"}.get(
                what, "skip"
            )
            extra = f" ({action.status}: {action.existing})" if action.existing else ""
            write(f"  {shown:<7} {action.name:<40} {action.method} {action.path}{extra}")
        for line in plan.skipped:
            write(f"  skipped {line}")
        for other in plan.others:
            verb = "existing connector" if other.target_exists else "new connector"
            write(
                f"Connector: {other.connector.name} ({verb}), Base URL {other.connector.base_url}"
            )
            for action in other.actions:
                shown = "create" if action.default in ("create", "rename") else action.default
                write(f"  {shown:<7} {action.name:<40} {action.method} {action.path}")
        if plan.others:
            write(hosts.summary(plan))
        write(
            f"Actions: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['skip']} to skip."
        )
        if plan.removed:
            write("Only in the connector (kept): " + ", ".join(plan.removed))
        missing = [c for c in plan.credentials if not c.exists]
        if missing:
            write(
                "Credentials to set (an Admin creates them): "
                + ", ".join(f"{c.name} for {', '.join(c.hosts) or 'its host'}" for c in missing)
            )
        for note in plan.notes:
            write(f"Note: {note}")
