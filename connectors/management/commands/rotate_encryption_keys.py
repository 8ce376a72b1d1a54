"""Re-encrypt every stored secret under the first key of STUDIO_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connectors.models import Connector, Credential, Revision
from connectors.secrets import sealing


def _reseal_tree(value: Any) -> tuple[Any, int]:
    """Reseal every {"sealed": ...} inside a JSON value; returns the new value and a count."""
    if isinstance(value, dict):
        count = 0
        result = {}
        for key, item in value.items():
            if key == "sealed" and isinstance(item, str):
                result[key] = sealing.reseal(item)
                count += 1
            else:
                result[key], found = _reseal_tree(item)
                count += found
        return result, count
    if isinstance(value, list):
        pairs = [_reseal_tree(item) for item in value]
        return [item for item, _ in pairs], sum(found for _, found in pairs)
    return value, 0


class Command(BaseCommand):
    help = (
        "Re-encrypt credentials, connector secrets and those kept in history under the first "
        "key of STUDIO_ENCRYPTION_KEYS; afterwards the other keys can be removed."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        sealed = 0
        try:
            for credential in Credential.objects.select_for_update():
                credential.sealed = sealing.reseal(credential.sealed)
                # update_fields: a rotation is not a new value (set_at and set_by stay).
                Credential.objects.filter(pk=credential.pk).update(sealed=credential.sealed)
                sealed += 1
            for connector in Connector.objects.select_for_update():
                auth_secrets, in_auth = _reseal_tree(connector.auth_secrets)
                headers, in_headers = _reseal_tree(connector.headers)
                if in_auth or in_headers:
                    Connector.objects.filter(pk=connector.pk).update(
                        auth_secrets=auth_secrets, headers=headers
                    )
                    sealed += in_auth + in_headers
            # History keeps earlier sealed secrets (a restore may bring them back): them too.
            for revision in Revision.objects.select_for_update().only("snapshot"):
                snapshot, found = _reseal_tree(revision.snapshot)
                if found:
                    Revision.objects.filter(pk=revision.pk).update(snapshot=snapshot)
                    sealed += found
        except sealing.SecretUnreadable:
            raise CommandError(
                "A stored secret cannot be decrypted with any key in STUDIO_ENCRYPTION_KEYS; "
                "nothing was changed. Add the key it was sealed with and run this again."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {sealed} secrets under the first key."))
