from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.test import Client

from connectors import roles
from tests.helpers.upstream import Upstream

# What reaches the database of the run: pytest-django's fixtures and mark, and the marker
# `uses_database` for a test that reaches it another way (a server or a process it starts on
# DATABASE_URL). A test with none of them runs the same on any database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def reaches_the_database(item: pytest.Item) -> bool:
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("uses_database") is not None
        or not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach the database (CI's PostgreSQL leg); "
        "the others run the same on any database, on the SQLite leg",
    )


# How many tests reach the database, and how many ran: printed at the end of the run (each
# xdist worker collects every test and sends its counts back to the main process).
DATABASE_COUNTS = pytest.StashKey[dict[str, int]]()


@pytest.hookimpl(trylast=True)  # after -k and -m: the counts are of the tests selected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reaching, other = [], []
    for item in items:
        (reaching if reaches_the_database(item) else other).append(item)
    if config.getoption("--database-tests-only") and other:
        config.hook.pytest_deselected(items=other)
        items[:] = reaching
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    items[:] = long_ones_first(items, workers)
    counts = {"collected": len(reaching) + len(other), "reaching": len(reaching)}
    config.stash[DATABASE_COUNTS] = counts
    if hasattr(config, "workeroutput"):
        config.workeroutput["database_counts"] = counts


# Modules whose tests each wait seconds on what they start: a browser, app servers, processes.
LONG_RUNNING = (
    "tests/browser/",
    "tests/api/test_app.py",
    "tests/clients/test_studio_ci.py",
    "tests/engine/test_monitor_runs.py",
    "tests/management/test_import_api.py",
    "tests/management/test_run_studio.py",
    "tests/system/test_no_leaks.py",
    "tests/system/test_servers.py",
)


def long_ones_first(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The run's order, with the long-running modules first in each worker's share.

    xdist's worksteal hands worker i the i-th of `workers` consecutive shares of this list, and
    later moves tests from the end of a busy worker's share to an idle one. Left in collection
    order, a long module near the end made one worker finish the run alone; first in the
    shares, each whole (its module fixtures set up once), they overlap, and the run ends on
    short tests any worker can take."""
    if workers < 2:
        return items
    modules: dict[str, list[pytest.Item]] = {}
    rest = []
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(LONG_RUNNING):
            modules.setdefault(path, []).append(item)
        else:
            rest.append(item)
    sizes, left = [], len(items)
    for share in range(workers):  # as worksteal splits: what is left over the workers left
        sizes.append(left // (workers - share))
        left -= sizes[-1]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for module in sorted(modules.values(), key=len, reverse=True):
        min(shares, key=len).extend(module)
    remaining = iter(rest)
    for share, size in zip(shares, sizes, strict=True):
        share.extend(itertools.islice(remaining, max(0, size - len(share))))
    shares[-1].extend(remaining)
    return [item for share in shares for item in share]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    counts = getattr(node, "workeroutput", {}).get("database_counts")
    if counts:
        node.config.stash[DATABASE_COUNTS] = counts


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


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """How many tests reach the database; the cURL corpus's counts, when its comparison ran."""
    from tests.helpers.curl_oracle import RESULTS

    counts = config.stash.get(DATABASE_COUNTS, None)
    if counts:
        collected, reaching = counts["collected"], counts["reaching"]
        if config.getoption("--database-tests-only"):
            line = f"--database-tests-only: the {reaching:,} of {collected:,} tests that reach"
            line += f" the database; the other {collected - reaching:,} run on the SQLite leg"
        else:
            line = f"{collected:,} tests: {reaching:,} reach the database"
            line += f", {collected - reaching:,} run the same on any database"
        terminalreporter.write_line(line)
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
