"""A canary secret in every kind of secret field must appear nowhere a person or a file can see."""

from __future__ import annotations

import base64
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from connectors import executor, history, secrets, views
from connectors.models import Action, Connector, Credential, Revision, TestRun
from tests.conftest import client_for
from tests.factories import api_key_connector, connector_post, make_action, make_connector
from tests.upstream import Reply

pytestmark = pytest.mark.django_db

CANARY = "sk-canary-7f3a9c1e5b2d40868d1f"
FORMS = [CANARY, base64.b64encode(CANARY.encode()).decode().rstrip("=")]


def assert_clean(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"the canary leaked into {where}"


@pytest.fixture
def canary_catalog(upstream, alice) -> list[Connector]:
    """The canary as a credential and in every secret field type, each Tested once."""
    Credential.objects.create(
        name="CANARY", sealed=secrets.seal(CANARY), hint=secrets.hint(CANARY), set_by=alice
    )
    # Echo everything the upstream received back in the body: the worst case for redaction.
    upstream.handler = lambda got: Reply(
        body=json.dumps({"headers": got.headers, "path": got.path}).encode()
    )
    header_auth = api_key_connector(upstream.url, CANARY, name="HeaderAuth")
    by_reference = api_key_connector(upstream.url, "{{CANARY}}", name="ByReference")
    param_auth = api_key_connector(upstream.url, CANARY, name="ParamAuth")
    param_auth.auth_settings.update(api_key_auth_type="PARAM", param_auth_param_name="key")
    param_auth.save()
    basic = make_connector(
        "Basic",
        base_url=upstream.url,
        auth_config="BASIC",
        auth_settings={"username": "me"},
        secrets={"password": CANARY},
    )
    bearer = make_connector(
        "Bearer", base_url=upstream.url, auth_config="BEARER", secrets={"token": CANARY}
    )
    header = make_connector("SecretHeader", base_url=upstream.url)
    header.headers = [{"key": "X-Canary", "secret": secrets.sealed_field(CANARY, "alice")}]
    header.save()
    connectors = [header_auth, by_reference, param_auth, basic, bearer, header]
    for connector in connectors:
        run = executor.run(make_action(connector), {}, alice)
        assert run.status == 200, run.error_message
    # The canary really went out, so the absence checks below mean something.
    assert any(CANARY in json.dumps(r.headers) + r.path for r in upstream.received)
    return connectors


def test_no_page_partial_or_admin_page_shows_the_canary(canary_catalog, alice) -> None:
    alice.is_staff = True
    alice.save()
    client = client_for(alice)
    urls = [
        "/",
        "/?q=a",
        "/credentials/",
        "/credentials/CANARY/replace/",
        "/credentials/CANARY/delete/",
        "/new/",
        "/admin/",
        "/admin/connectors/connector/",
        "/admin/connectors/credential/",
        "/admin/connectors/testrun/",
        "/admin/connectors/action/",
    ]
    for auth_config in Connector.AuthConfig.values:
        urls.append(f"/auth-fields/?auth_config={auth_config}&connector=HeaderAuth")
    for connector in canary_catalog:
        urls += [
            connector.get_absolute_url(),
            f"/connectors/{connector.name}/edit/",
            f"/connectors/{connector.name}/delete/",
            f"/admin/connectors/connector/{connector.pk}/change/",
        ]
    for action in Action.objects.all():
        base = action.get_absolute_url()
        urls += [
            base,
            f"{base}edit/",
            f"{base}runs/",
            f"/admin/connectors/action/{action.pk}/change/",
        ]
    for run in TestRun.objects.all():
        urls += [
            f"{run.action.get_absolute_url()}?run={run.pk}",
            f"/admin/connectors/testrun/{run.pk}/change/",
        ]
    for url in urls:
        response = client.get(url, HTTP_HX_REQUEST="true" if "run=" in url else None)
        assert response.status_code == 200, url
        assert_clean(response.content.decode(), url)
    # The Test partial as rendered right after a run.
    for action in Action.objects.all():
        response = client.post(f"{action.get_absolute_url()}test/", HTTP_HX_REQUEST="true")
        assert_clean(response.content.decode(), f"the Test partial of {action}")


def test_no_history_page_diff_restore_or_export_shows_the_canary(canary_catalog, alice) -> None:
    client = client_for(alice)
    for obj in [*canary_catalog, *Action.objects.all(), Credential.objects.get()]:
        history.record(obj, Revision.Event.CREATED, alice)
    # Changes through the pages, so History holds the canary sealed more than once, and a diff.
    bearer = connector_post(
        name="Bearer",
        base_url=canary_catalog[0].base_url,
        auth_config="BEARER",
        **{"auth-token": CANARY},
    )
    assert client.post("/connectors/Bearer/edit/", bearer).status_code == 302
    client.post("/credentials/CANARY/replace/", {"name": "CANARY", "value": CANARY})
    client.post("/connectors/SecretHeader/delete/")
    first = Revision.objects.filter(kind="connector", object_name="Bearer").last()
    client.post(f"/history/{first.pk}/restore/", {"with_secrets": "on"})

    urls = [
        "/history/deleted/",
        "/credentials/CANARY/history/",
        "/export/?scope=all",
        "/export/?scope=selected&name=HeaderAuth&name=Basic",
    ]
    for connector in Connector.objects.all():
        urls.append(f"/connectors/{connector.name}/history/")
    for action in Action.objects.all():
        urls.append(f"{action.get_absolute_url()}history/")
    urls += [f"/history/{revision.pk}/" for revision in Revision.objects.all()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.content.decode(), url)
    exported = client.get("/export/?scope=all").content.decode()
    assert "sealed" not in exported and "{{CANARY}}" in exported  # references only
    preview = client.post("/import/", {"text": exported})
    assert_clean(preview.content.decode(), "the import preview")
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    assert_clean(out.getvalue(), "export_catalog")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(Revision._meta.db_table)}")
        assert_clean(repr(cursor.fetchall()), "the revision table")


def test_stored_runs_hold_no_canary(canary_catalog) -> None:
    for run in TestRun.objects.all():
        fields = {f.name: getattr(run, f.name) for f in TestRun._meta.fields}
        assert_clean(json.dumps(fields, default=str), f"TestRun {run.pk}")


def test_raw_database_rows_hold_no_canary(canary_catalog) -> None:
    tables = [model._meta.db_table for model in (Connector, Action, Credential, TestRun, Revision)]
    with connection.cursor() as cursor:
        for table in tables + ["django_admin_log", "django_session"]:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert_clean(repr(cursor.fetchall()), f"the {table} table")


def test_dumpdata_holds_no_canary(canary_catalog) -> None:
    out = io.StringIO()
    call_command("dumpdata", "connectors", stdout=out)
    assert_clean(out.getvalue(), "dumpdata")
    assert "CANARY" in out.getvalue()  # the credential's name is there, its value is not


def test_log_lines_at_every_level_hold_no_canary(canary_catalog, caplog, settings) -> None:
    caplog.set_level(logging.DEBUG)
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    for connector in canary_catalog:
        # Forced to fail: nothing listens on port 9.
        connector.base_url = "http://127.0.0.1:9"
        connector.save()
        run = executor.run(make_action(connector, "fails"), {}, None)
        assert run.error_kind == "ConnectError"
        assert_clean(run.error_message, "an error message")
    assert caplog.records, "the failing Tests logged nothing at all"
    assert_clean("\n".join(r.getMessage() for r in caplog.records), "the logs")


def test_an_error_report_from_a_connector_save_holds_no_canary(bob, monkeypatch) -> None:
    def no_keys() -> None:
        raise RuntimeError("the key store is down")

    monkeypatch.setattr(secrets, "_fernet", no_keys)
    request = RequestFactory().post("/new/", connector_post(**{"auth-api_key": CANARY}))
    request.user = bob
    request._dont_enforce_csrf_checks = True
    request.htmx = False
    with pytest.raises(RuntimeError) as caught:
        views.connector_form(request)
    report = ExceptionReporter(request, caught.type, caught.value, caught.tb)
    assert_clean(report.get_traceback_text(), "the error report")
    assert_clean(report.get_traceback_html(), "the HTML error report")
