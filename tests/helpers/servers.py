"""Real app servers for tests and benchmarks: gunicorn in a subprocess, as a team runs it.

A `Site` is a fresh database (a temporary SQLite file, or a new database on the PostgreSQL
server of DATABASE_URL) with its static files collected and its tables migrated; `Server`
starts the production command against it on a free port. Nothing here imports Django.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
MAKE_SERVE = ["make", "--no-print-directory", "-s", "serve"]
PASSWORD = "pass-servers-1"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    """A database and static files of its own, migrated, with the environment to serve it."""

    def __init__(self, tmp: Path, database_url: str | None = None, root: Path = ROOT) -> None:
        base = database_url if database_url is not None else os.environ.get("DATABASE_URL", "")
        self.tmp = tmp
        self.root = root  # the checkout that serves it (a bench may compare two)
        self.pg_admin_url = base if is_postgres(base) else ""
        if self.pg_admin_url:
            import psycopg

            self.db_name = f"studio_site_{os.getpid()}_{secrets.token_hex(4)}"
            with psycopg.connect(libpq_url(self.pg_admin_url), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.db_name}"')
            parts = urlsplit(base)
            self.database_url = urlunsplit(parts._replace(path=f"/{self.db_name}"))
        else:
            self.database_url = f"sqlite:///{tmp / 'studio.sqlite3'}"
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "STUDIO_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "STATIC_ROOT": str(tmp / "static"),
            "STUDIO_OUTBOUND_ALLOW": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_ACCESS_LOG": "",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("CACHE_URL", None)
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser suite

    def manage(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def prepare(self, users: tuple[str, ...] = ("alice",)) -> None:
        """What `make serve` does before it serves, and superusers with PASSWORD."""
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User\n"
            f"for name in {list(users)!r}:\n"
            f"    User.objects.create_superuser(name, name + '@example.com', {PASSWORD!r})",
        )

    def terminate_connections(self) -> int:
        """Cut every connection to this site's database, as a failover or restart does."""
        import psycopg

        with psycopg.connect(libpq_url(self.pg_admin_url), autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            ).fetchall()
        return len(rows)

    def drop(self) -> None:
        if self.pg_admin_url:
            import psycopg

            with psycopg.connect(libpq_url(self.pg_admin_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def libpq_url(url: str) -> str:
    return re.sub(r"^(postgres|pgsql)://", "postgresql://", url)


class Server:
    """`with Server(site) as server:` serves the site on server.url until the block ends."""

    def __init__(
        self, site: Site, command: list[str] | None = None, log: Path | None = None, **env: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log or site.tmp / f"server-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command or [*GUNICORN[:-1], str(site.root / "gunicorn.conf.py")],
            cwd=site.root,
            env={**site.env, "HOST": "127.0.0.1", "PORT": str(self.port), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or too busy booting to answer in time
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer: {self.log_path.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """Gunicorn's workers: the processes under this one that have no children."""
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        leaves, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            if children.get(pid):
                todo.extend(children[pid])
            elif pid != self.process.pid:
                leaves.append(pid)
        return sorted(leaves)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def csrf_token(session: requests.Session, url: str) -> str:
    """GET a page with a form and return its CSRF token (the cookie is kept by the session)."""
    page = session.get(url, timeout=10)
    page.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {url}"
    return match[1]


def log_in(server_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    login = f"{server_url}/accounts/login/"
    token = csrf_token(session, login)
    response = session.post(
        login,
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": login},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def connector_form(name: str, base_url: str) -> dict[str, str]:
    """The connector form as a browser posts it, with No Auth."""
    return {
        "name": name,
        "display_name": name,
        "description": "",
        "base_url": base_url,
        "auth_config": "NO_AUTH",
        "timeout_seconds": "30",
        "verify_tls": "on",
    }


def post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """POST a form as a browser does: its page's CSRF token, the page as Referer."""
    data = {**data, "csrfmiddlewaretoken": csrf_token(session, url)}
    return session.post(url, data, headers={"Referer": url}, allow_redirects=False, timeout=30)


def create_connector(session: requests.Session, server_url: str, name: str, base_url: str) -> None:
    response = post_form(session, f"{server_url}/new/", connector_form(name, base_url))
    assert response.status_code == 302, response.text[:2000]


def create_action(
    session: requests.Session, server_url: str, connector: str, name: str, path: str
) -> str:
    """Create a GET action with no input args; returns its page's URL."""
    data = {
        "name": name,
        "method": "GET",
        "path": path,
        "args-TOTAL_FORMS": "0",
        "args-INITIAL_FORMS": "0",
    }
    response = post_form(session, f"{server_url}/connectors/{connector}/new-action/", data)
    assert response.status_code == 302, response.text[:2000]
    return f"{server_url}/connectors/{connector}/actions/{name}/"


def press_test(session: requests.Session, action_url: str, token: str) -> requests.Response:
    """Test as the action page's button does: an HTMX POST with the token from hx-headers."""
    return session.post(
        f"{action_url}test/",
        headers={"HX-Request": "true", "X-CSRFToken": token, "Referer": action_url},
        timeout=60,
    )
