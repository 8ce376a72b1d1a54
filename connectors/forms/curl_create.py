"""Create: what the cURL preview showed, as the common import plan, applied in one transaction."""

from __future__ import annotations

from django.db import IntegrityError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from connectors.forms.curl_import import CurlImportForm
from connectors.forms.curl_plan import CurlPlan
from connectors.importing import apply, compare
from connectors.importing.plan import (
    AuthPlan,
    Choices,
    Plan,
)
from connectors.importing.readers.curl import CurlOptions, read_parsed
from connectors.models import Action


@sensitive_variables("plan", "common")
def import_plan(plan: CurlPlan, team_credentials: bool) -> Plan:
    """The command read again by the cURL reader, under the names the preview settled: the
    connector's and the action's as shown, each credential's as free in the catalog (or one
    that already holds the value, which is referred to and not created)."""
    options = CurlOptions(action_name=plan.action["name"], team_credentials=team_credentials)
    if plan.is_new:
        options.connector_name = plan.new_connector["name"]
    else:
        options.into, options.into_base_url = plan.connector.name, plan.connector.base_url
    common = read_parsed(plan.parsed, options)
    if not plan.is_new:
        common.auth = AuthPlan(plan.connector.auth_config)
    renames = {}
    kept = []
    for read, settled in zip(common.credentials, plan.credentials, strict=True):
        renames["{{" + read.name + "}}"] = "{{" + settled.name + "}}"
        if not settled.reused:
            read.name, read.hosts = settled.name, settled.allowed_hosts
            kept.append(read)
    common.credentials = kept
    for field, reference in common.auth.secrets.items():
        common.auth.secrets[field] = renames.get(reference or "", reference)
    for row in common.connector.headers:
        row["secret_reference"] = renames.get(row["secret_reference"], row["secret_reference"])
    return common


@sensitive_variables("plan", "common")
def create(request: HttpRequest, form: CurlImportForm, plan: CurlPlan) -> Action | None:
    """Everything the preview showed, in one transaction, or nothing."""
    may_set = request.user.has_perm("connectors.manage_credentials")
    common = compare.against_catalog(import_plan(plan, may_set))
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
