from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.test import Client

from connectors import roles
from tests.helpers.upstream import Upstream


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher() -> None:
    """PBKDF2 at production strength costs half a second per user; tests make hundreds.
    tests/test_production.py checks that production still hashes with PBKDF2."""
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_environment_credentials(settings) -> None:
    """Tests choose their environment credentials and reachable private hosts; a local .env's
    (`make run` lists OPENAI_API_KEY and this machine) would reserve names the tests create as
    team credentials and let Test reach 127.0.0.1 where a test expects it refused."""
    settings.STUDIO_ENV_CREDENTIALS = []
    settings.STUDIO_OUTBOUND_ALLOW = []


def make_user(username: str, role: str) -> User:
    """A user in one role, with the password `pass-<username>`."""
    user = User.objects.create_user(username, f"{username}@example.com", "pass-" + username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(db) -> User:
    """An Admin."""
    return make_user("alice", roles.ADMIN)


@pytest.fixture
def bob(db) -> User:
    """A Developer."""
    return make_user("bob", roles.DEVELOPER)


@pytest.fixture
def carol(db) -> User:
    """A Viewer."""
    return make_user("carol", roles.VIEWER)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def upstream(settings) -> Iterator[Upstream]:
    """A real local HTTP server that Test may reach."""
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    with Upstream() as server:
        yield server


def pytest_terminal_summary(terminalreporter) -> None:
    """The cURL corpus's counts, when its comparison ran."""
    from tests.helpers.curl_oracle import RESULTS

    if not RESULTS:
        return
    counts = Counter(outcome for _source, outcome, _diff, _why in RESULTS.values())
    terminalreporter.section("cURL corpus against the real curl")
    terminalreporter.write_line(
        f"{len(RESULTS)} commands: {counts['exact']} exact, {counts['equivalent']} equivalent, "
        f"{counts['refused']} refused"
    )
    for name, (_source, outcome, differences, why) in sorted(RESULTS.items()):
        if outcome != "exact":
            terminalreporter.write_line(f"  {name}: {outcome} {', '.join(differences)}{why}")
