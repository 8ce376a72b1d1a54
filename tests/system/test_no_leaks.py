"""A canary secret in every kind of secret field must appear nowhere a person or a file can see."""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import re
from urllib.parse import quote, quote_plus, unquote

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from connectors.catalog import history
from connectors.engine import alerts, channels, executor, monitor_runs, monitors, suites
from connectors.lib.curl import languages
from connectors.models import (
    Action,
    ActionDraft,
    AlertChannel,
    Connector,
    Credential,
    Incident,
    Monitor,
    Revision,
    TestRun,
)
from connectors.secrets import homes, sealing, tokens
from connectors.views import connectors as views_connectors
from tests.conftest import client_for
from tests.helpers.api import ApiClient
from tests.helpers.ci_client import studio_ci
from tests.helpers.factories import (
    LOCAL_HOSTS,
    api_key_connector,
    bench_post,
    connector_post,
    make_action,
    make_channel,
    make_connector,
)
from tests.helpers.upstream import Reply, Upstream

pytestmark = pytest.mark.django_db

CANARY = "sk-canary-7f3a9c1e5b2d40868d1f"
FORMS = [CANARY, base64.b64encode(CANARY.encode()).decode().rstrip("=")]


# Checks that read every echoed value back into their results (actual values, schema
# violations quoting the body): they must only ever see and say the masked ones.
CANARY_CHECKS = [
    {"type": "jsonpath", "op": "equals", "path": "$.headers.*", "value": "nothing"},
    {"type": "jsonpath", "op": "matches", "path": "$.path", "value": "^sk-canary"},
    {"type": "jsonpath", "op": "contains", "path": "$.headers", "value": "x-canary"},
    {"type": "header", "op": "exists", "name": "Content-Type"},
    {"type": "schema"},
]
CANARY_SCHEMA = {"type": "object", "properties": {"headers": {"type": "string"}}}


def assert_clean(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"the canary leaked into {where}"


@pytest.fixture
def canary_catalog(upstream, alice) -> list[Connector]:
    """The canary as a credential and in every secret field type, each Tested once."""
    Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS,
        name="CANARY",
        sealed=sealing.seal(CANARY),
        hint=sealing.hint(CANARY),
        set_by=alice,
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
    basic, digest = (
        make_connector(
            name,
            base_url=upstream.url,
            auth_config=name.upper(),
            auth_settings={"username": "me"},
            secrets={"password": CANARY},
        )
        for name in ("Basic", "Digest")
    )
    bearer = make_connector(
        "Bearer", base_url=upstream.url, auth_config="BEARER", secrets={"token": CANARY}
    )
    header = make_connector("SecretHeader", base_url=upstream.url)
    header.headers = [{"key": "X-Canary", "secret": sealing.sealed_field(CANARY, "alice")}]
    homes.settle(None, header)
    header.save()
    connectors = [header_auth, by_reference, param_auth, basic, bearer, digest, header]
    for connector in connectors:
        action = make_action(connector, checks=CANARY_CHECKS, output_schema=CANARY_SCHEMA)
        run = executor.run(action, {}, alice)
        assert run.status == 200, run.error_message
        assert not run.passed and "violation" in json.dumps(run.check_results)
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


def test_no_suite_run_page_junit_or_result_data_shows_the_canary(
    canary_catalog, alice, upstream, settings
) -> None:
    settings.STUDIO_SUITE_THREADS = 1  # in this thread, inside the test's transaction
    # The API echoes what it received, secrets included: the stored runs mask them.
    upstream.handler = lambda got: Reply(
        status=500, body=json.dumps({"headers": got.headers, "path": got.path}).encode()
    )
    names = [connector.name for connector in canary_catalog]
    suite = suites.start_suite_run(connectors=names, user=alice)
    suites.execute(suite.pk)
    suite.refresh_from_db()
    assert suite.failed == len(names)  # every action was sent and answered
    client = client_for(alice)
    for url, htmx in [
        (f"/suite-runs/{suite.pk}/", False),
        (f"/suite-runs/{suite.pk}/", True),
        (f"/suite-runs/{suite.pk}/junit.xml", False),
        ("/suite-runs/", False),
        (f"/suite-runs/new/?{'&'.join(f'name={n}' for n in names)}", False),
    ]:
        response = client.get(url, HTTP_HX_REQUEST="true" if htmx else None)
        assert response.status_code == 200, url
        assert_clean(response.content.decode(), url)
    assert_clean(json.dumps(suites.results_data(suite)), "the suite run's data")


def test_drafts_cookies_and_generated_code_hold_no_canary(canary_catalog, upstream, alice) -> None:
    """A draft Tested from the page (a pasted cURL carrying the canary among it), a cookie
    that echoes the secret, and every "Copy as" language: none shows the canary."""
    upstream.handler = lambda got: Reply(
        headers={
            "Content-Type": "application/json",
            "Set-Cookie": f"echo={quote(json.dumps(got.headers))}; Path=/; HttpOnly",
        },
        body=json.dumps({"headers": got.headers, "path": got.path}).encode(),
    )
    client = client_for(alice)
    for action in Action.objects.all():
        base = action.get_absolute_url()
        pasted = (
            f"curl '{action.connector.base_url}/v2/draft?x=1' -H 'Authorization: Bearer "
            f"{CANARY}' -H 'X-Api-Key: {CANARY}'"
        )
        split = client.post(f"{base}draft/", bench_post(path=pasted), HTTP_HX_REQUEST="true")
        assert_clean(split.content.decode(), f"the split draft of {action}")
        tested = client.post(f"{base}test/", bench_post(path="/v2/draft"), HTTP_HX_REQUEST="true")
        assert_clean(tested.content.decode(), f"the draft Test partial of {action}")
        run = action.test_runs.first()
        assert run.draft is not None and run.status == 200, run.error_message
        for url in (
            base,
            f"{base}?run={run.pk}",
            f"{base}runs/{run.pk}/preview/",
            f"{base}runs/{run.pk}/filter/?jsonpath=$..*",
        ):
            assert_clean(client.get(url).content.decode(), url)
        for _key, label, code in languages.snippets(run.request_shape):
            assert_clean(code, f"Copy as {label} of {action}")
        assert_clean(json.dumps(run.request_shape), f"the request shape of {action}")
    assert ActionDraft.objects.count() == Action.objects.count()
    with connection.cursor() as cursor:
        for model in (ActionDraft, TestRun):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
            assert_clean(repr(cursor.fetchall()), f"the {model._meta.db_table} table")


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
    client.post(
        "/credentials/CANARY/replace/",
        {"name": "CANARY", "value": CANARY, "allowed_hosts": "127.0.0.1:*"},
    )
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


def test_no_api_answer_shows_the_canary(canary_catalog, alice, caplog, settings) -> None:
    """Every operation of the REST API, as an Admin whose Tests send the canary."""
    caplog.set_level(logging.DEBUG)
    settings.STUDIO_SUITE_THREADS = 1  # in this thread, inside the test's transaction
    api = ApiClient(alice)
    answers = [api.get("/connectors"), api.get("/connectors", q="a"), api.get("/credentials")]
    for connector in canary_catalog:
        answers.append(api.get(f"/connectors/{connector.name}"))
        for action in connector.actions.all():
            tested = api.post(f"/connectors/{connector.name}/actions/{action.name}/test", {})
            assert tested.status_code == 200 and tested.json()["status"] == 200
            answers.append(tested)
            answers.append(api.get(f"/connectors/{connector.name}/actions/{action.name}/checks"))
    for run in TestRun.objects.all():
        answers.append(api.get(f"/runs/{run.pk}"))
    started = api.post("/suite-runs", {"tag": "", "connector": canary_catalog[0].name})
    assert started.status_code == 202
    suites.execute(started.json()["id"])
    answers += [started, api.get(f"/suite-runs/{started.json()['id']}")]
    answers += [api.get(f"/suite-runs/{started.json()['id']}/junit")]
    answers.append(api.get("/openapi.json"))
    page = client_for(alice)
    answers += [page.get("/api/v1/docs"), page.get("/account/tokens/")]
    assert all(answer.status_code in (200, 202) for answer in answers)
    for answer in answers:
        assert_clean(answer.content.decode(), f"the API answer to {answer.request['PATH_INFO']}")
        assert_clean(
            json.dumps(json.loads(answer.content))
            if answer["Content-Type"].startswith("application/json")
            else "",
            "the API's JSON, unescaped",
        )
    assert_clean("\n".join(r.getMessage() for r in caplog.records), "the logs")


@pytest.mark.django_db(transaction=True)
def test_the_ci_clients_output_and_junit_hold_no_canary(
    canary_catalog, alice, live_server, tmp_path
) -> None:
    junit = tmp_path / "junit.xml"
    for connector in canary_catalog:
        done = studio_ci(
            "--server",
            live_server.url,
            "--connector",
            connector.name,
            "--junit",
            str(junit),
            token=tokens.issue(alice, "ci", 1)[1],
        )
        assert done.returncode == 1, done.stderr  # the canary checks fail, quoting the echo
        assert "FAIL" in done.stdout
        for text, where in [(done.stdout, "its output"), (done.stderr, "its errors")]:
            assert_clean(text, f"the CI client's {where} for {connector.name}")
        assert_clean(junit.read_text(), f"the CI client's JUnit for {connector.name}")


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
        # Forced to fail: nothing listens on port 9 (its secrets entered again for that host).
        connector.base_url = "http://127.0.0.1:9"
        for entry in connector.auth_secrets.values():
            entry["home"] = homes.home_for(connector, "")
        for row in connector.headers:
            if "secret" in row:
                row["secret"]["home"] = homes.home_for(connector, "")
        connector.save()
        run = executor.run(make_action(connector, "fails"), {}, None)
        assert run.error_kind == "ConnectError"
        assert_clean(run.error_message, "an error message")
    assert caplog.records, "the failing Tests logged nothing at all"
    assert_clean("\n".join(r.getMessage() for r in caplog.records), "the logs")


def test_an_error_report_from_a_connector_save_holds_no_canary(bob, monkeypatch) -> None:
    def no_keys() -> None:
        raise RuntimeError("the key store is down")

    monkeypatch.setattr(sealing, "_fernet", no_keys)
    request = RequestFactory().post("/new/", connector_post(**{"auth-api_key": CANARY}))
    request.user = bob
    request._dont_enforce_csrf_checks = True
    request.htmx = False
    with pytest.raises(RuntimeError) as caught:
        views_connectors.connector_form(request)
    report = ExceptionReporter(request, caught.type, caught.value, caught.tb)
    assert_clean(report.get_traceback_text(), "the error report")
    assert_clean(report.get_traceback_html(), "the HTML error report")


# --- a secret echoed back in every encoding ------------------------------------------------------

# Characters that every encoding writes differently: / + = space and a non-ASCII letter.
ENCODED_CANARY = "sk-canary/7f+3a 9c=1eé5b2d40868d1f"


def _base64_streams(data: bytes, alphabet) -> list[str]:
    """The secret inside longer base64 streams, starting at byte 0, 1 and 2 of a group."""
    return [alphabet(b"xy"[:k] + data + b"!tail").decode() for k in range(3)]


def echoes(secret: str) -> dict[str, str]:
    """What an API may send back: the secret in each encoding, inside other text."""
    data = secret.encode()
    forms = {
        "raw": secret,
        "percent": quote(secret, safe=""),
        "percent-slash": quote(secret),
        "plus": quote_plus(secret),
        "hex": data.hex(),
        "HEX": data.hex().upper(),
        "json": json.dumps(secret)[1:-1],
        "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "basic": "Basic " + base64.b64encode(b"me:" + data).decode(),
    }
    for k, stream in enumerate(_base64_streams(data, base64.b64encode)):
        forms[f"b64-{k}"] = stream
    for k, stream in enumerate(_base64_streams(data, base64.urlsafe_b64encode)):
        forms[f"b64url-{k}"] = stream
    return {name: f"before {text} after" for name, text in forms.items()}


def leaked_forms(secret: str) -> list[str]:
    """Text that shows the secret was not masked: the middle of each echoed form."""
    data, found = secret.encode(), []
    for name, echoed in echoes(secret).items():
        text = echoed.removeprefix("before ").removesuffix(" after")
        if name.startswith("b64"):
            k = int(name[-1])
            # Only the characters made of the secret's bits alone, one in from each edge.
            text = text[-(-8 * k // 6) + 1 : 8 * (k + len(data)) // 6 - 1]
        elif name == "basic":
            text = text[len("Basic ") + 5 : -5]
        else:
            text = text[2:-2]
        found.append(text)
    return found


def assert_no_form(text: str, where: str, secret: str = ENCODED_CANARY) -> None:
    for form in leaked_forms(secret):
        assert form not in text, f"the canary leaked into {where} as {form!r}"


def test_the_leak_check_would_see_every_unmasked_echo() -> None:
    for name, echoed in echoes(ENCODED_CANARY).items():
        with pytest.raises(AssertionError):
            assert_no_form(echoed, name)


@pytest.fixture
def echoing_upstream(upstream):
    """An API that answers with the secret in every encoding, in headers and body."""
    forms = echoes(ENCODED_CANARY)
    headers = {"Content-Type": "application/json"}
    headers |= {f"X-Echo-{name}": text for name, text in forms.items()}
    upstream.handler = lambda got: Reply(
        headers=headers, body=json.dumps({"forms": forms, "path": got.path}).encode()
    )
    return upstream


def test_a_secret_echoed_in_any_encoding_is_masked_everywhere(echoing_upstream, alice) -> None:
    connector = api_key_connector(echoing_upstream.url, ENCODED_CANARY, name="Echo")
    connector.auth_settings.update(api_key_auth_type="PARAM", param_auth_param_name="key")
    connector.save()
    action = make_action(connector)
    run = executor.run(action, {}, alice)
    assert run.status == 200, run.error_message
    # The key went out percent-encoded in the query: "Request sent" must mask that form too.
    assert quote_plus(ENCODED_CANARY) in echoing_upstream.last.path
    assert "key=" + sealing.MASK in run.request_url
    fields = {f.name: getattr(run, f.name) for f in TestRun._meta.fields}
    assert_no_form(json.dumps(fields, default=str, ensure_ascii=False), "the stored run")
    assert_no_form(json.dumps(fields, default=str), "the stored run (ASCII)")
    page = client_for(alice).get(f"{action.get_absolute_url()}?run={run.pk}")
    assert_no_form(page.content.decode(), "the action page")
    assert sealing.MASK in run.response_body


def test_a_failing_token_endpoint_that_echoes_the_request_shows_no_client_secret(
    upstream, alice
) -> None:
    client_secret = "client-secret/9f+00 aa=é7c3b1d2"
    upstream.handler = lambda got: Reply(
        status=401,
        body=json.dumps(
            {"error": "invalid_client", "headers": got.headers, "body": got.body.decode()}
        ).encode(),
    )
    connector = make_connector(
        "Oauth",
        base_url=upstream.url,
        auth_config=Connector.AuthConfig.OAUTH2,
        auth_settings={
            "oauth2_grant_type": "client_credentials",
            "client_id": "studio-client",
            "oauth2_token_url": f"{upstream.url}/token",
            "oauth2_client_authentication": "",
        },
        secrets={"client_secret": client_secret},
    )
    action = make_action(connector)
    run = executor.run(action, {}, alice)
    assert run.error_kind == "AuthFailed"
    # It really was sent both ways: Basic first, then in the body.
    sent = [r.headers.get("authorization", "") + r.body.decode() for r in upstream.received]
    basic = base64.b64encode(f"studio-client:{client_secret}".encode()).decode()
    assert any(basic in s for s in sent) and any(quote_plus(client_secret) in s for s in sent)
    client = client_for(alice)
    shown = [
        run.error_message,
        client.get(connector.get_absolute_url()).content.decode(),
        client.get(f"{action.get_absolute_url()}?run={run.pk}").content.decode(),
    ]
    for text in shown:
        assert basic not in text and "invalid_client" in text
        assert_no_form(text, "the token failure", secret=client_secret)
    # What is left of the Basic value decodes to no part of the secret.
    assert "Authorization" in run.error_message


def test_the_debug_error_page_of_a_failing_test_shows_no_secret(
    echoing_upstream, alice, settings, monkeypatch
) -> None:
    settings.DEBUG = True
    connector = api_key_connector(echoing_upstream.url, ENCODED_CANARY, name="Echo")
    action = make_action(connector)

    def broken(record, response, hide) -> None:
        # A bug while reading the answer, with the echoed secret in locals and the message.
        body = response.body.decode()
        raise RuntimeError(f"could not read {body}")

    monkeypatch.setattr(executor, "_record_response", broken)
    client = client_for(alice)
    client.raise_request_exception = False
    response = client.post(
        f"{action.get_absolute_url()}test/",
        {"note": ENCODED_CANARY},
        HTTP_AUTHORIZATION=f"Bearer {ENCODED_CANARY}",
        HTTP_X_API_KEY=ENCODED_CANARY,
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "Traceback" in page and "RuntimeError" in page  # the technical page, cleansed
    assert_no_form(page, "the DEBUG error page")
    assert_clean(page, "the DEBUG error page")
    assert settings.SECRET_KEY not in page
    for key in settings.STUDIO_ENCRYPTION_KEYS:
        assert key not in page


# --- a secret echoed in nested encodings, and as XML character references -----------------------


def nested_echoes(secret: str) -> dict[str, str]:
    """The secret as an API may hide it two encodings deep, and each of those JSON-escaped."""
    percent = quote(secret, safe="")
    b64 = base64.b64encode(secret.encode()).decode()
    forms = {
        "xml-decimal": "".join(f"&#{ord(char)};" for char in secret),
        "xml-hex": "".join(f"&#x{ord(char):X};" for char in secret),
        "xml-some": secret[:3] + "".join(f"&#{ord(char)};" for char in secret[3:9]) + secret[9:],
        "percent-of-percent": quote(percent, safe=""),
        "base64-of-percent": base64.b64encode(percent.encode()).decode(),
        "percent-of-base64": quote(b64, safe=""),
        "json-u-escapes": "".join(f"\\u{ord(char):04x}" for char in secret),
        "every-byte-percent": "".join(f"%{byte:02X}" for byte in secret.encode()),
    }
    return forms | {f"json-of-{name}": json.dumps(text)[1:-1] for name, text in forms.items()}


def _json_unescape(text: str) -> str:
    return re.sub(
        r"\\(u[0-9a-fA-F]{4}|[\\/\"])",
        lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 5 else m.group(1),
        text,
    )


def decodings(text: str) -> set[str]:
    """The text as a reader may decode it, up to three decodings deep (an independent oracle:
    references, percent and JSON escapes decoded in every order)."""
    found = {text}
    for _ in range(3):
        found |= {decode(t) for t in found for decode in (html.unescape, unquote, _json_unescape)}
    return found


def assert_nowhere(text: str, where: str, secret: str = ENCODED_CANARY) -> None:
    """Neither the secret nor the middle of any of its encodings, in the text or any decoding."""
    middles = [*leaked_forms(secret)]
    middles.append(base64.b64encode(quote(secret, safe="").encode()).decode()[2:-4])
    for decoded in decodings(text):
        assert secret not in decoded, f"the canary leaked into {where}"
        for middle in middles:
            assert middle not in decoded, f"the canary leaked into {where} as {middle!r}"


def test_the_nested_leak_check_would_see_every_unmasked_echo() -> None:
    for name, echoed in nested_echoes(ENCODED_CANARY).items():
        with pytest.raises(AssertionError):
            assert_nowhere(f"<x>before {echoed} after</x>", name)


def _xml_echo(forms: dict[str, str]) -> bytes:
    items = "".join(
        f'<form name="{name}">before {text} after</form>' for name, text in forms.items()
    )
    return f'<?xml version="1.0"?><echo>{items}</echo>'.encode()


NESTED_BODIES = {
    "application/xml": _xml_echo,
    "application/json": lambda forms: json.dumps({"forms": forms}).encode(),
    "text/html; charset=utf-8": lambda forms: " ".join(forms.values()).encode(),
}


@pytest.mark.parametrize("content_type", NESTED_BODIES)
def test_a_secret_echoed_nested_or_as_references_is_masked_in_every_view(
    upstream, alice, content_type
) -> None:
    alice.is_staff = True
    alice.save()
    forms = nested_echoes(ENCODED_CANARY)
    body = NESTED_BODIES[content_type](forms)
    upstream.handler = lambda got: Reply(
        headers={"Content-Type": content_type} | {f"X-Echo-{k}": v for k, v in forms.items()},
        body=body,
    )
    connector = api_key_connector(upstream.url, ENCODED_CANARY, name="Echo")
    connector.auth_settings.update(api_key_auth_type="PARAM", param_auth_param_name="key")
    connector.save()
    action = make_action(connector)
    run = executor.run(action, {}, alice)
    assert run.status == 200, run.error_message
    assert sealing.MASK in run.response_body
    if content_type == "application/xml":  # the XML is kept, and its JSON form shown
        assert run.response_body.startswith("<?xml") and "&#" not in run.response_body
    fields = {f.name: getattr(run, f.name) for f in TestRun._meta.fields}
    assert_nowhere(json.dumps(fields, default=str, ensure_ascii=False), "the stored run")
    client = client_for(alice)
    base = action.get_absolute_url()
    pages = {
        "the action page": client.get(f"{base}?run={run.pk}"),
        "the result partial": client.get(f"{base}?run={run.pk}", HTTP_HX_REQUEST="true"),
        "the runs list": client.get(f"{base}runs/"),
        "the body as text": client.get(f"{base}runs/{run.pk}/text/"),
        "the admin's run": client.get(f"/admin/connectors/testrun/{run.pk}/change/"),
        "the Test partial": client.post(f"{base}test/", HTTP_HX_REQUEST="true"),
        "the generated schema": client.post(
            f"{base}schema/", {"run": run.pk, "generate": "1"}, follow=True
        ),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_nowhere(response.content.decode(), where)
    action.refresh_from_db()
    assert_nowhere(json.dumps(action.output_schema, ensure_ascii=False), "the output schema")


def test_xml_that_joins_a_secret_across_a_comment_is_not_kept(upstream, alice) -> None:
    split = f"{ENCODED_CANARY[:10]}<!-- -->{ENCODED_CANARY[10:]}"
    upstream.reply = Reply(
        headers={"Content-Type": "application/xml"},
        body=f"<echo><a>{split}</a><b>ok</b></echo>".encode(),
    )
    connector = api_key_connector(upstream.url, ENCODED_CANARY, name="Echo")
    action = make_action(connector)
    run = executor.run(action, {}, alice)
    assert run.status == 200 and run.response_body == executor.XML_WITHHELD
    page = client_for(alice).get(f"{action.get_absolute_url()}?run={run.pk}").content.decode()
    assert "cannot be masked where it stands" in page
    assert_nowhere(page, "the action page")


# --- alerts and alert channels ------------------------------------------------------------------

CHANNEL_TOKEN = "hookcanary9c4e7a1f"  # in a channel URL's path: a secret of its own


def _alert_from(run: TestRun) -> alerts.Alert:
    """An alert as a monitor builds one: from the stored (masked) run."""
    return alerts.Alert(
        monitor="Canary monitor",
        state="failing",
        failing=(
            alerts.FailingAction(
                connector=run.action.connector.name,
                action=run.action.name,
                run_url=alerts.absolute(f"{run.action.get_absolute_url()}?run={run.pk}"),
                checks=(
                    alerts.CheckDetail("body", False, run.response_body),
                    alerts.CheckDetail("request", False, run.request_url + run.request_curl),
                    alerts.CheckDetail("headers", False, json.dumps(run.request_headers)),
                ),
                error=run.error_message,
            ),
        ),
        links={"monitor": alerts.absolute("/")},
    )


def test_no_alert_body_email_or_channel_page_shows_the_canary(canary_catalog, alice, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    alice.is_staff = True
    alice.save()
    with Upstream() as receiver:
        kinds = ["webhook", "slack", "teams"]
        sent = [
            make_channel(kind, f"{receiver.url}/{CHANNEL_TOKEN}/{kind}", name=kind)
            for kind in kinds
        ]
        sent.append(make_channel("email", "oncall@example.com", name="email"))
        with sealing.collecting_in_play():
            for run in TestRun.objects.select_related("action__connector"):
                for channel in sent:
                    assert alerts.send_alert(channel, _alert_from(run)).ok
            for channel in sent:
                assert channels.test_channel(channel).ok
        assert len(receiver.received) == 3 * (TestRun.objects.count() + 1)
        for got in receiver.received:
            assert_clean(got.body.decode(), "an alert body")
            assert CHANNEL_TOKEN not in got.body.decode()
    for message in mail.outbox:
        assert_clean(message.subject + message.body, "an alert email")
    client = client_for(alice)
    pages = ["/alert-channels/", "/admin/connectors/alertchannel/"]
    pages += [f"/admin/connectors/alertchannel/{c.pk}/change/" for c in sent]
    for url in pages:
        page = client.get(url).content.decode()
        assert_clean(page, url)
        assert CHANNEL_TOKEN not in page, url
    for channel in sent:
        result = client.post(f"/alert-channels/{channel.pk}/test/", HTTP_HX_REQUEST="true")
        assert CHANNEL_TOKEN not in result.content.decode()


def test_a_channel_url_is_in_no_dump_and_no_log_line(upstream, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    channel = make_channel("slack", f"{upstream.url}/{CHANNEL_TOKEN}")
    upstream.reply = Reply(status=500, body=b"{}")
    assert not channels.test_channel(channel).ok
    out = io.StringIO()
    call_command("dumpdata", "connectors.alertchannel", stdout=out)
    assert CHANNEL_TOKEN not in out.getvalue()
    assert caplog.records, "the failing alert logged nothing at all"
    assert CHANNEL_TOKEN not in "\n".join(r.getMessage() for r in caplog.records)


def test_no_monitor_alert_page_or_data_shows_the_canary(canary_catalog, alice, upstream, settings):
    settings.STUDIO_SUITE_THREADS = 1  # in this thread, inside the test's transaction
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    alice.is_staff = True
    alice.save()
    upstream.handler = lambda got: Reply(
        status=500, body=json.dumps({"headers": got.headers, "path": got.path}).encode()
    )
    with Upstream() as receiver:
        hook = make_channel("webhook", f"{receiver.url}/{CHANNEL_TOKEN}/m", name="hook")
        email = make_channel("email", "oncall@example.com", name="mail")
        watched = []
        for connector in canary_catalog:
            monitor = monitors.create_monitor(
                monitors.Values(
                    name=f"Watch {connector.name}",
                    connector=connector.name,
                    interval_seconds=60,
                    alert_after=1,
                ),
                channels=[hook, email],
                user=alice,
            )
            watched.append(monitor)
        for suite_id in monitor_runs.tick().claimed:
            monitor_runs.run_monitor.call(suite_id)  # the task's body, in this thread
        assert Incident.objects.count() == len(canary_catalog)
        assert len(receiver.received) == len(canary_catalog)
        for got in receiver.received:
            assert_clean(got.body.decode(), "a monitor alert")
            assert CHANNEL_TOKEN not in got.body.decode()
    assert len(mail.outbox) == len(canary_catalog)
    for message in mail.outbox:
        assert_clean(message.subject + message.body, "a monitor alert email")
    client = client_for(alice)
    pages = ["/monitors/", "/", "/admin/connectors/monitor/", "/admin/connectors/incident/"]
    for monitor in watched:
        pages += [f"/monitors/{monitor.pk}/", f"/monitors/{monitor.pk}/edit/"]
        pages += [f"/admin/connectors/monitor/{monitor.pk}/change/"]
        assert_clean(json.dumps(monitors.monitor_data(monitor)), "a monitor's data")
    pages += [f"/admin/connectors/incident/{i.pk}/change/" for i in Incident.objects.all()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.content.decode(), url)
        assert CHANNEL_TOKEN not in response.content.decode(), url
    api = ApiClient(alice)
    answers = [api.get("/monitors"), api.get("/alert-channels")]
    answers += [api.get(f"/monitors/{monitor.pk}") for monitor in watched]
    answers.append(api.patch(f"/monitors/{watched[0].pk}", {"alert_after": 2}))
    answers.append(api.post(f"/alert-channels/{hook.pk}/test"))  # the receiver is gone now
    answers.append(
        api.post(
            "/alert-channels", {"kind": "slack", "target": f"{upstream.url}/{CHANNEL_TOKEN}/x"}
        )
    )
    answers.append(
        api.post(
            "/alert-channels",
            {"kind": "webhook", "target": f"https://u:{CHANNEL_TOKEN}@h.example/"},
        )
    )
    for answer in answers:
        assert answer.status_code in (200, 201, 422), answer.content
        where = f"the API answer to {answer.request['PATH_INFO']}"
        assert_clean(answer.content.decode(), where)
        assert CHANNEL_TOKEN not in answer.content.decode(), where


def test_no_history_export_or_import_shows_a_channels_url(alice, settings) -> None:
    """A channel's URL through every change history records and every file the catalog
    writes: the channel's pages and the API, its monitors' changes, export and import."""
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    alice.is_staff = True
    alice.save()
    client = client_for(alice)
    shop = make_connector("Shop", base_url="https://shop.example.com")
    make_action(shop, "list_pets", path="/pets")
    client.post(
        "/alert-channels/",
        {"name": "hook", "kind": "slack", "target": f"http://127.0.0.1:9/{CHANNEL_TOKEN}/a"},
    )
    hook = AlertChannel.objects.get()
    api = ApiClient(alice)
    created = api.post(
        "/alert-channels", {"kind": "webhook", "target": f"http://127.0.0.1:9/{CHANNEL_TOKEN}/b"}
    )
    assert created.status_code == 201
    monitor_post = {
        "name": "Watch",
        "connector": "Shop",
        "every_minutes": "5",
        "timezone": "UTC",
        "alert_after": "2",
        "channels": [hook.pk, created.json()["id"]],
        "active": "on",
    }
    assert client.post("/monitors/new/", monitor_post).status_code == 302
    monitor = Monitor.objects.get()
    edit = {"name": "hook", "kind": "slack", "target": f"http://127.0.0.1:9/{CHANNEL_TOKEN}/c"}
    assert client.post(f"/alert-channels/{hook.pk}/edit/", edit).status_code == 302
    edit = {"name": "hook", "kind": "webhook", "target": ""}
    assert client.post(f"/alert-channels/{hook.pk}/edit/", edit).status_code == 302
    client.post(
        f"/admin/connectors/alertchannel/{hook.pk}/change/",
        {"name": "hook 2", "kind": "webhook", "target": f"http://127.0.0.1:9/{CHANNEL_TOKEN}/d"},
    )
    client.post(f"/alert-channels/{created.json()['id']}/delete/")
    client.post(f"/monitors/{monitor.pk}/pause/")
    client.post(f"/monitors/{monitor.pk}/delete/")
    deleted = Revision.objects.filter(kind="monitor", event="deleted").get()
    client.post(f"/history/{deleted.pk}/restore/")

    exported = client.get("/export/?scope=all").content.decode()
    assert '"hook 2"' in exported and Monitor.objects.exists()
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    revisions = Revision.objects.filter(kind__in=["monitor", "channel"])
    assert revisions.count() == 11
    urls = [
        f"/alert-channels/{hook.pk}/history/",
        f"/alert-channels/{created.json()['id']}/history/",
        f"/monitors/{monitor.pk}/history/",
        "/history/deleted/",
        "/alert-channels/",
        f"/alert-channels/{hook.pk}/edit/",
    ] + [f"/history/{revision.pk}/" for revision in revisions]
    texts = {url: client.get(url).content.decode() for url in urls}
    texts["the export"] = exported
    texts["export_catalog"] = out.getvalue()
    texts["the import preview"] = client.post("/import/", {"text": exported}).content.decode()
    texts["the snapshots"] = json.dumps([r.snapshot for r in revisions])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(Revision._meta.db_table)}")
        texts["the revision table"] = repr(cursor.fetchall())
    hinted = {"/alert-channels/", f"/alert-channels/{hook.pk}/edit/"}  # host and last 4
    for where, text in texts.items():
        assert CHANNEL_TOKEN not in text, where
        assert "gAAAAA" not in text, where  # nor the URL sealed
        if where not in hinted:  # history and files keep nothing of it, not even its host
            assert "127.0.0.1:9" not in text, where


def test_the_base_url_warning_and_the_help_page_hold_no_canary(canary_catalog, alice) -> None:
    client = client_for(alice)
    warned = 0
    for connector in canary_catalog:
        page = client.get(f"/connectors/{connector.name}/edit/").content.decode()
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        moved = connector_post(
            name=connector.name, base_url="https://elsewhere.example", version=version
        )
        moved |= {"auth_config": connector.auth_config, "auth-api_key": ""}
        del moved["confirm_moves"]
        response = client.post(f"/connectors/{connector.name}/edit/", moved)
        assert_clean(response.content.decode(), f"the Base URL warning of {connector.name}")
        warned += "Not saved yet" in response.content.decode()
    assert warned >= 3  # the literal secrets' connectors are warned about, not saved
    assert_clean(client.get("/help/").content.decode(), "/help/")
