"""Create: what the cURL preview showed, as the common import plan, applied in one transaction."""

from __future__ import annotations

from django.db import IntegrityError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from connectors.forms.curl_import import CurlImportForm
from connectors.forms.curl_plan import CurlPlan
from connectors.importing import apply, compare
from connectors.importing.plan import (
    ActionPlan,
    ArgPlan,
    AuthPlan,
    Choices,
    ConnectorPlan,
    CredentialToSet,
    Plan,
)
from connectors.models import Action

IMPORT_NOTE = "Imported from a cURL command."


@sensitive_variables("plan")
def import_plan(plan: CurlPlan) -> Plan:
    """The cURL plan (its forms validated) as the common plan."""
    cleaned = plan.action
    action = ActionPlan(
        name=cleaned["name"],
        method=cleaned["method"],
        path=cleaned["path"],
        description=cleaned.get("description") or "",
        query_params=cleaned["query_params"],
        headers=cleaned["headers"],
        body=cleaned["body"],
        output_schema=cleaned.get("output_schema"),
        input_args=[
            ArgPlan(name, description="From the imported cURL command.", required=True)
            for name in plan.input_args
        ],
    )
    if not plan.is_new:
        connector = ConnectorPlan(name=plan.connector.name)
        auth = AuthPlan(plan.connector.auth_config)
    else:
        assert plan.connector_form is not None and plan.auth_form is not None
        data = plan.connector_form.cleaned_data
        connector = ConnectorPlan(
            name=data["name"],
            display_name=data.get("display_name") or "",
            description=data.get("description") or "",
            base_url=data["base_url"],
            headers=[
                {"key": row["key"], "secret_reference": row["value"]}
                if row.get("kind") == "secret"
                else {"key": row["key"], "value": row["value"]}
                for row in data["headers"]
            ],
            timeout_seconds=data["timeout_seconds"],
            verify_tls=data["verify_tls"],
        )
        form = plan.auth_form
        auth = AuthPlan(
            data["auth_config"],
            form.auth_settings(),
            {name: form.cleaned_data.get(name) or None for name in form.secret_fields},
        )
    credentials = [
        CredentialToSet(
            c.name, purpose="From the cURL command", hosts=c.allowed_hosts, value=c.value
        )
        for c in plan.credentials
        if not c.reused
    ]
    return Plan(
        kind="cURL",
        source="pasted cURL command",
        connector=connector,
        auth=auth,
        credentials=credentials,
        actions=[action],
        history_note=IMPORT_NOTE,
    )


@sensitive_variables("plan", "common")
def create(request: HttpRequest, form: CurlImportForm, plan: CurlPlan) -> Action | None:
    """Everything the preview showed, in one transaction, or nothing."""
    common = compare.against_catalog(import_plan(plan))
    if common.actions[0].status != "new" or (plan.is_new and common.target_exists):
        form.add_error(
            None,
            "Someone created a connector, action or credential of the same name meanwhile: "
            "press Preview again.",
        )
        return None
    try:
        # Credentials come from literals in the pasted command only (see import_views).
        outcome = apply.apply(common, Choices(), request.user, may_set_credentials=False)
    except IntegrityError:
        form.add_error(
            None,
            "Someone created a connector, action or credential of the same name meanwhile: "
            "press Preview again.",
        )
        return None
    return outcome.connector.actions.get(name=common.actions[0].name)
