"""Logins: lockout after failures (per username and address), password rules, reset pages."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from connectors.management.commands import setup_local
from tests.conftest import client_for
from tests.helpers.servers import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # Dozens of log-in attempts: PBKDF2 would take most of the time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOGINS = [
    pytest.param("/accounts/login/", id="site"),
    pytest.param("/admin/login/", id="admin"),
]


def _try(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=client.ip)


def _client(ip: str) -> Client:
    client = Client()
    client.ip = ip
    return client


@pytest.fixture
def staff_alice(alice) -> User:
    alice.is_staff = True
    alice.save()
    return alice


@pytest.mark.parametrize("url", LOGINS)
def test_it_locks_a_username_out_after_five_failures_from_one_address(url, staff_alice) -> None:
    attacker = _client("203.0.113.7")
    for _ in range(4):
        assert _try(attacker, url, "alice", "wrong-password").status_code == 200
    locked = _try(attacker, url, "alice", "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    # Even the right password is refused from there until the cool-off ends.
    right = _try(attacker, url, "alice", "pass-alice")
    assert right.status_code == 429 and "_auth_user_id" not in attacker.session


@pytest.mark.parametrize("url", LOGINS)
def test_the_lockout_is_per_username_and_address(url, staff_alice, bob) -> None:
    attacker = _client("203.0.113.7")
    for _ in range(5):
        _try(attacker, url, "alice", "wrong-password")
    # alice from her own address, and bob from the attacker's, still log in.
    assert _try(_client("198.51.100.2"), url, "alice", "pass-alice").status_code == 302
    bob.is_staff = True
    bob.save()
    assert _try(attacker, url, "bob", "pass-bob").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(alice) -> None:
    client = _client("203.0.113.9")
    for _ in range(4):
        _try(client, "/accounts/login/", "alice", "wrong-password")
    assert _try(client, "/accounts/login/", "alice", "pass-alice").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert _try(client, "/accounts/login/", "alice", "wrong-password").status_code == 200


def test_the_limit_and_cool_off_come_from_settings(alice, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = _client("203.0.113.10")
    assert _try(client, "/accounts/login/", "alice", "x").status_code == 200
    assert _try(client, "/accounts/login/", "alice", "x").status_code == 429


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Short-pw-1", "too short"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
        ("alice-example-com", "too similar"),
    ],
)
def test_a_weak_password_is_refused_by_the_change_form(alice, password, why) -> None:
    client = client_for(alice)
    data = {"old_password": "pass-alice", "new_password1": password, "new_password2": password}
    response = client.post("/accounts/password_change/", data)
    assert response.status_code == 200
    assert why in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("pass-alice")


def test_a_password_of_twelve_mixed_characters_is_accepted(alice) -> None:
    validate_password("tangerine-Hopscotch-41", alice)
    with pytest.raises(ValidationError):
        validate_password("eleven-char", alice)


@pytest.mark.parametrize(
    ("password", "advice"),
    [
        ("dev2dev2dev2", 'Repeats like "abcabcabc"'),
        ("qwertyuiop123", "Add another word or two"),
    ],
)
def test_it_refuses_a_guessable_password_with_the_estimators_advice(
    alice, password, advice
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, alice)
    said = " ".join(refused.value.messages)
    assert "too easy to guess" in said and advice in said


def test_it_accepts_a_long_random_passphrase(alice) -> None:
    validate_password("vivid otter juggles 47 lanterns", alice)


def test_the_change_form_refuses_a_repeated_pattern_with_its_advice(alice) -> None:
    client = client_for(alice)
    data = {"old_password": "pass-alice", "new_password1": "dev2dev2dev2"}
    response = client.post("/accounts/password_change/", data | {"new_password2": "dev2dev2dev2"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "too easy to guess" in page and "Avoid repeated words and characters." in page
    alice.refresh_from_db()
    assert alice.check_password("pass-alice")


def test_the_admins_add_user_form_refuses_a_keyboard_pattern(staff_alice) -> None:
    client = client_for(staff_alice)
    data = {"username": "dave", "password1": "qwertyuiop123", "password2": "qwertyuiop123"}
    response = client.post("/admin/auth/user/add/", data | {"usable_password": "true"})
    assert response.status_code == 200
    assert "too easy to guess" in response.content.decode()
    assert not User.objects.filter(username="dave").exists()
    passphrase = "vivid otter juggles 47 lanterns"
    data |= {"password1": passphrase, "password2": passphrase}
    assert client.post("/admin/auth/user/add/", data).status_code == 302
    assert User.objects.get(username="dave").check_password(passphrase)


def test_the_local_setup_creates_an_admin_whose_password_passes_the_rules(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(setup_local, "LOGIN_FILE", tmp_path / ".admin-login")
    call_command("setup_local", stdout=io.StringIO())
    password = (tmp_path / ".admin-login").read_text().split("password: ")[1].strip()
    admin = User.objects.get(username="admin")
    validate_password(password, admin)
    assert (
        Client().post("/accounts/login/", {"username": "admin", "password": password}).status_code
        == 302
    )


RESET_URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/done/",
]


def test_without_email_the_reset_pages_do_not_exist_and_login_offers_none(settings) -> None:
    settings.PASSWORD_RESET_ENABLED = False
    for url in RESET_URLS:
        assert Client().get(url).status_code == 404, url
    assert "Forgot your password" not in Client().get("/accounts/login/").content.decode()


def test_with_email_the_reset_pages_send_a_link(settings, alice) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.PASSWORD_RESET_ENABLED = True
    login = Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login
    for url in RESET_URLS:
        assert Client().get(url).status_code == 200, url
    response = Client().post("/accounts/password_reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"EMAIL_URL": "smtp+tls://me:pw@smtp.example.com:587"}, "smtp.EmailBackend"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "console"),
        ({}, "None"),
    ],
)
def test_email_settings_come_from_the_environment(env, backend) -> None:
    code = (
        "from django.conf import settings as s; mailer = getattr(s, 'MAILERS', {}); "
        "print(s.PASSWORD_RESET_ENABLED, mailer.get('default', {}).get('BACKEND'))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "EMAIL_BACKEND")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "studio.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    enabled, shown = result.stdout.split()
    assert enabled == str(backend != "None")
    assert backend in shown


def test_the_readmes_roles_command_gives_a_role_that_works() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Roles: giving someone access") :]
    command = re.search(r'shell -c "(.*?)"\n', section, re.S).group(1)
    call_command("shell", command=re.sub(r"\\\n\s*", "", command))
    dave = User.objects.get(username="dave")
    assert dave.has_perm("connectors.run_test") and not dave.has_perm("connectors.import_catalog")
    assert (
        Client()
        .post("/accounts/login/", {"username": "dave", "password": "a long passphrase here"})
        .status_code
        == 302
    )
