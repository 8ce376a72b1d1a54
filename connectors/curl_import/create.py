"""Create: everything a preview showed (connector, credentials, action), in one transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from connectors import history, homes, secrets
from connectors.curl_import.form import CurlImportForm
from connectors.curl_import.plan import Plan
from connectors.models import Action, Connector, Credential, InputArg, Revision

IMPORT_NOTE = "Imported from a cURL command."


@sensitive_variables("plan")
def create(request: HttpRequest, form: CurlImportForm, plan: Plan) -> Action | None:
    """Everything the preview showed, in one transaction, or nothing."""
    user_name = request.user.get_username()
    try:
        with transaction.atomic():
            connector = plan.connector
            if plan.is_new:
                assert plan.connector_form is not None and plan.auth_form is not None
                connector.auth_settings = plan.auth_form.auth_settings()
                connector.auth_secrets = plan.auth_form.auth_secrets(user_name)
                if hasattr(plan.connector_form, "headers_to_store"):
                    connector.headers = plan.connector_form.headers_to_store(user_name)
                homes.settle(None, connector)  # each secret's home: the command's host
                connector.updated_by = request.user
                connector.save()
                history.record(connector, Revision.Event.CREATED, request.user, note=IMPORT_NOTE)
            else:
                Connector.objects.filter(pk=connector.pk).update(updated_by=request.user)
            for credential in plan.credentials:
                if not credential.reused:
                    created = Credential.objects.create(
                        name=credential.name,
                        sealed=secrets.seal(credential.value),
                        hint=secrets.hint(credential.value),
                        allowed_hosts=credential.allowed_hosts,
                        set_by=request.user,
                    )
                    history.record(created, Revision.Event.CREATED, request.user, note=IMPORT_NOTE)
            assert plan.action_form is not None
            action = plan.action_form.save(commit=False)
            action.connector = connector
            action.updated_by = request.user
            action.save()
            for arg in plan.input_args:
                InputArg.objects.create(
                    action=action,
                    name=arg,
                    description="From the imported cURL command.",
                    required=True,
                )
            history.record(action, Revision.Event.CREATED, request.user, note=IMPORT_NOTE)
    except IntegrityError:
        form.add_error(
            None,
            "Someone created a connector, action or credential of the same name meanwhile: "
            "press Preview again.",
        )
        return None
    return action
