"""Served as a team serves it: the deploy check, security headers, CSP, CSRF on HTMX posts."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from types import ModuleType

import pytest
from cryptography.fernet import Fernet
from django.conf import global_settings
from django.contrib.auth.models import User
from django.core import checks
from django.test import Client, override_settings

import studio.settings
from tests.conftest import client_for
from tests.helpers.factories import make_action, make_connector
from tests.helpers.servers import ROOT, is_postgres, libpq_url

# What "Running for a team" in the README tells an operator to set.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "STUDIO_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "studio.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://studio.example.com",
    "DATABASE_URL": "postgres://studio:secret@db.example.com:5432/studio",
    "CACHE_URL": "redis://cache.example.com:6379/0",
    "HTTPS": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


# What Django's security deploy checks read.
SECURITY_SETTINGS = {
    "DEBUG",
    "MIDDLEWARE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "X_FRAME_OPTIONS",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py in a fresh process: the whole settings module as an operator's server reads it."""
    # Not the test run's own settings (the browser suite allows async-unsafe calls).
    drop = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_passes_the_deploy_check_with_the_production_environment() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def served_settings(monkeypatch, **env: str) -> ModuleType:
    """studio/settings.py read afresh, in this process, from the production environment."""
    for name, value in {**PRODUCTION_ENV, **env}.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("served_settings", ROOT / "studio/settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_deploy_check_fails_when_https_is_not_set(monkeypatch) -> None:
    # The check is not vacuous: leave HTTPS out and it names what is missing.
    served = served_settings(monkeypatch, HTTPS="false")
    security = {name: getattr(served, name) for name in dir(served) if name in SECURITY_SETTINGS}
    with override_settings(**security):
        found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert any("SECURE_SSL_REDIRECT" in message.msg for message in found)


def test_it_takes_a_shared_redis_cache_from_cache_url(monkeypatch) -> None:
    cache = served_settings(monkeypatch).CACHES["default"]
    assert [cache["BACKEND"], cache["LOCATION"]] == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example.com:6379/0",
    ]


def _pages(bob) -> list[str]:
    action = make_action(make_connector("OpenAI"), "list_models", path="/v1/models")
    return [
        "/",
        "/?q=open",
        "/connectors/OpenAI/",
        action.get_absolute_url(),
        "/new/",
        f"{action.get_absolute_url()}edit/",
    ]


def test_every_page_has_a_strict_content_security_policy(bob) -> None:
    client = client_for(bob)
    for url in _pages(bob):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])[1]
        html = response.content.decode()
        # htmx carries this response's nonce; every other script is a file of this site.
        assert f'nonce="{nonce}"' in html, url
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, (url, script)
        assert "<style" not in html and " style=" not in html, url
        assert re.search(r"\son[a-z]+=", html) is None, url


def test_the_login_page_and_the_admin_have_the_policy_too(alice) -> None:
    assert (
        "script-src 'self' 'nonce-" in Client().get("/accounts/login/")["Content-Security-Policy"]
    )
    alice.is_staff = True
    alice.save()
    response = client_for(alice).get("/admin/connectors/connector/")
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_it_forbids_framing_and_content_sniffing(bob) -> None:
    response = client_for(bob).get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def list_models(upstream):
    return make_action(make_connector("Local", base_url=upstream.url), "list_models", path="/v")


def test_it_refuses_an_htmx_post_without_the_csrf_token(bob, list_models) -> None:
    client = _csrf_client(bob)
    client.get(list_models.get_absolute_url())  # sets the CSRF cookie, as the page does
    response = client.post(f"{list_models.get_absolute_url()}test/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not list_models.test_runs.exists()


def test_it_accepts_an_htmx_post_with_the_token_from_hx_headers(bob, list_models) -> None:
    client = _csrf_client(bob)
    page = client.get(list_models.get_absolute_url()).content.decode()
    # base.html puts the token in <body hx-headers>, so htmx sends it on every request.
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page)[1]
    response = client.post(
        f"{list_models.get_absolute_url()}test/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200
    assert list_models.test_runs.count() == 1


def test_it_refuses_a_plain_form_post_without_the_csrf_token(bob) -> None:
    response = _csrf_client(bob).post("/new/", {"name": "Sneaky"})
    assert response.status_code == 403


@pytest.mark.skipif(
    not is_postgres(os.environ.get("DATABASE_URL", "")),
    reason="pg_terminate_backend needs PostgreSQL (CI runs this on its PostgreSQL leg)",
)
@pytest.mark.django_db(transaction=True)
def test_a_page_that_loses_its_database_connection_midway_is_served_anyway(monkeypatch) -> None:
    import psycopg
    from django.contrib.auth.models import User
    from django.db import connection

    from connectors.views import catalog as views_catalog

    make_connector("Kept")
    # A superuser: a transactional test may find the role groups flushed by an earlier one.
    client = client_for(User.objects.create_superuser("root", "root@example.com", "pass-root"))
    search, cuts = views_catalog.search_connectors, []

    def search_after_a_cut(query: str):
        if not cuts:  # the database drops this very connection while the page is built
            pid = connection.connection.info.backend_pid
            with psycopg.connect(libpq_url(os.environ["DATABASE_URL"]), autocommit=True) as admin:
                cuts.append(admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone())
        return search(query)

    monkeypatch.setattr(views_catalog, "search_connectors", search_after_a_cut)
    response = client.get("/")
    assert cuts == [(True,)]
    assert response.status_code == 200
    assert "Kept" in response.content.decode()


def test_production_hashes_passwords_with_pbkdf2(settings, db) -> None:
    # The suite swaps in a fast hasher (tests/conftest.py); production keeps Django's default.
    assert not hasattr(studio.settings, "PASSWORD_HASHERS")
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = User.objects.create_user("dora", password="a long pass phrase")
    assert user.password.startswith("pbkdf2_sha256$")
    assert user.check_password("a long pass phrase")
