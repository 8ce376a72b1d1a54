#!/usr/bin/env python3
"""Connector Studio's CI client: test a connector (or a tag) on the studio, from a pipeline.

    export STUDIO_TOKEN=cst_...        # a personal API token (Developer or Admin)
    python studio_ci.py --server https://studio.example.com --connector Billing --junit junit.xml

The studio sends the requests, with the secrets it already holds: the pipeline holds only the
token. The client starts a suite run, waits for it (polling, up to --timeout seconds), prints
one line per action and a summary, writes the JUnit XML, and exits

    0  every action passed,
    1  a check failed or an action errored (not sent, or no answer),
    2  a usage or server error: no token, a server that cannot be reached or answers 4xx/5xx,
       a suite run that did not finish in time or was interrupted.

One file, Python 3.9 or later, the standard library only. The studio serves it at
/api/v1/client/studio_ci.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PASSED, FAILED, USAGE = 0, 1, 2
ENDED = ("finished", "interrupted")
REQUEST_TIMEOUT = 30.0  # seconds for one call to the studio
USER_AGENT = "studio-ci/1"


class Stop(Exception):
    """End the run with a message and an exit code."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # The token goes only to the server named: a redirect elsewhere is reported, not followed.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        raise Stop(f"The server redirected to {newurl}: give that address as --server.")


class Studio:
    """The studio's API at one address, with one token."""

    def __init__(self, server: str, token: str) -> None:
        self.base = server.rstrip("/") + "/api/v1"
        self.token = token
        self.opener = urllib.request.build_opener(_NoRedirects)

    def call(self, method: str, path: str, body: object = None, timeout: float = 30.0) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=max(timeout, 1.0)) as answer:
                return answer.read()
        except urllib.error.HTTPError as error:
            raise Stop(
                f"The studio answered {error.code} {error.reason}: {_detail(error)}"
            ) from None
        except urllib.error.URLError as error:
            raise Stop(f"Could not reach {self.base}: {error.reason}.") from None
        except (TimeoutError, OSError) as error:
            raise Stop(f"Could not reach {self.base}: {error}.") from None

    def json(self, method: str, path: str, body: object = None, timeout: float = 30.0) -> dict:
        raw = self.call(method, path, body, timeout)
        try:
            found = json.loads(raw)
        except ValueError:
            raise Stop(f"{self.base}{path} did not answer JSON: is --server the studio?") from None
        if not isinstance(found, dict):
            raise Stop(f"{self.base}{path} answered something unexpected.")
        return found


def _detail(error: urllib.error.HTTPError) -> str:
    """The studio's sentence for an error, with the fields it names."""
    try:
        body = json.loads(error.read(65536))
        detail = str(body.get("detail", "")) or "no detail given."
    except (ValueError, AttributeError, OSError):
        return "the answer was not the studio's JSON (is --server the studio's address?)."
    return detail


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="studio_ci.py",
        description="Test a connector or a tag on a Connector Studio; the token is read from "
        "STUDIO_TOKEN. Exit 0: all passed; 1: a check failed; 2: a usage or server error.",
    )
    parser.add_argument("--server", required=True, help="the studio's address, https://studio…")
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--connector", help="test every action of this connector (its Name)")
    scope.add_argument("--tag", help="test every action with this tag, in every connector")
    parser.add_argument(
        "--action",
        action="append",
        default=[],
        metavar="NAME",
        help="with --connector: only this action (repeat for more)",
    )
    parser.add_argument("--junit", metavar="FILE", help="write the results as JUnit XML here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="give up (exit 2) when the suite run has not finished by then (default 600)",
    )
    parser.add_argument(
        "--poll", type=float, default=2.0, metavar="SECONDS", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.action and not args.connector:
        parser.error("--action needs --connector")
    if args.timeout <= 0 or args.poll <= 0:
        parser.error("--timeout and --poll are a number of seconds above 0")
    parts = urllib.parse.urlsplit(args.server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        parser.error(f"--server is the studio's http(s) address, not {args.server!r}")
    return args


def start(studio: Studio, args: argparse.Namespace) -> dict:
    scope: dict[str, object] = {}
    if args.connector:
        scope["connector"] = args.connector
    if args.tag:
        scope["tag"] = args.tag
    if args.action:
        scope["actions"] = args.action
    return studio.json("POST", "/suite-runs", scope, REQUEST_TIMEOUT)


def wait(studio: Studio, suite_id: int, timeout: float, poll: float, url: str) -> dict:
    """Poll until the suite run ended, or raise Stop when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        found = studio.json("GET", f"/suite-runs/{suite_id}", None, min(REQUEST_TIMEOUT, left))
        if found.get("status") in ENDED:
            return found
        left = deadline - time.monotonic()
        if left <= 0:
            done = found.get("passed", 0) + found.get("failed", 0) + found.get("errored", 0)
            raise Stop(
                f"Timed out after {timeout:g} s: the suite run is {found.get('status')} "
                f"({done} of {found.get('total', '?')} actions done). See {url}"
            )
        time.sleep(min(poll, left))


def _ms(value: object) -> str:
    return f" ({float(value):.0f} ms)" if isinstance(value, (int, float)) else ""


def result_line(result: dict) -> str:
    name = f"{result.get('connector')}.{result.get('action')}"
    outcome = result.get("outcome") or ("passed" if result.get("passed") else "failed")
    failed = [c for c in result.get("checks") or [] if not c.get("passed")]
    if outcome == "passed":
        return f"PASS   {name}{_ms(result.get('elapsed_ms'))}"
    why = "; ".join(f"{c.get('type')}: {c.get('detail')}" for c in failed[:3])
    more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
    if outcome == "errored":
        kind = result.get("error_kind") or "error"
        return f"ERROR  {name}: {kind}{': ' + why if why else ''}{more}"
    if outcome == "pending":
        return f"SKIP   {name}: not run"
    return f"FAIL   {name}{_ms(result.get('elapsed_ms'))}: {why or 'a check failed'}{more}"


def report(found: dict, out) -> int:
    for result in found.get("results") or []:
        print(result_line(result), file=out)
    passed, failed, errored = (found.get(k, 0) for k in ("passed", "failed", "errored"))
    total = found.get("total", passed + failed + errored)
    print(
        f"{total} action{'s' if total != 1 else ''}: {passed} passed, {failed} failed, "
        f"{errored} errored. Suite run: {found.get('url', '')}",
        file=out,
    )
    if found.get("status") == "interrupted":
        raise Stop(
            f"The suite run was interrupted: {found.get('problem') or 'its worker stopped'}."
        )
    if found.get("problem"):
        raise Stop(f"The suite run did not finish: {found['problem']}")
    return PASSED if total and passed == total else FAILED


def main(argv: list[str] | None = None, out=sys.stdout) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    token = os.environ.get("STUDIO_TOKEN", "").strip()
    studio = Studio(args.server, token)
    try:
        if not token:
            raise Stop("Set STUDIO_TOKEN to a personal API token (the studio's API tokens page).")
        started = start(studio, args)
        suite_id, url = started.get("id"), started.get("url", "")
        if not isinstance(suite_id, int):
            raise Stop("The studio did not say which suite run it started.")
        print(f"Started suite run {suite_id}: {url}", file=out)
        found = wait(studio, suite_id, args.timeout, args.poll, url)
        if args.junit:
            document = studio.call("GET", f"/suite-runs/{suite_id}/junit", None, REQUEST_TIMEOUT)
            with open(args.junit, "wb") as file:
                file.write(document)
        code = report(found, out)
        if args.junit:
            print(f"JUnit XML written to {args.junit}", file=out)
        return code
    except Stop as stop:
        print(f"studio_ci: {stop}", file=sys.stderr)
        return stop.code
    except KeyboardInterrupt:
        print("studio_ci: stopped.", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
