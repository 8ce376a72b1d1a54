from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from connectors.models import ApiToken
from connectors.secrets import tokens
from tests.helpers.api import ApiClient

pytestmark = pytest.mark.django_db


def _run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_the_token_as_its_last_line(bob) -> None:
    lines = _run("bob", "--name", "GitHub Actions", "--days", "10")
    token = lines[-1]
    record = ApiToken.objects.get()
    assert record.user == bob and record.name == "GitHub Actions"
    assert record.digest == tokens.digest(token) and record.hint == token[-4:]
    assert record.expires_at is not None
    assert "Copy it now" in lines[0]
    assert ApiClient(token=token).get("/connectors").status_code == 200


def test_no_days_means_ninety_and_zero_means_no_expiry(bob) -> None:
    _run("bob", "--name", "a")
    _run("bob", "--name", "b", "--days", "0")
    assert ApiToken.objects.get(name="a").expires_at is not None
    assert ApiToken.objects.get(name="b").expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--name", "x"], "No user named nobody"),
        (["bob", "--name", " "], "--name is 1 to 100"),
        (["bob", "--name", "x", "--days", "-1"], "--days is 0"),
    ],
)
def test_it_refuses_bad_arguments_with_a_sentence(bob, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not ApiToken.objects.exists()
