"""Authorization Code with PKCE (RFC 7636, S256): send the user to sign in, take the code back.

`state` binds the callback to the browser session that started it; the PKCE verifier stays on
the server, sealed in that session, and goes only to the token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as random
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from connectors.engine.oauth import broker, grants
from connectors.engine.oauth.urls import auth_url, plain_setting
from connectors.models import Connector
from connectors.secrets import sealing

SESSION_KEY = "oauth_flows"
FLOW_SECONDS = 15 * 60  # time allowed to sign in and consent
MAX_FLOWS = 5  # started but unfinished sign-ins kept per session


class FlowError(Exception):
    """The callback cannot be trusted or completed; the message says what to do."""


@dataclass
class Finished:
    connector: Connector
    next_url: str


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@sensitive_variables("verifier")
def start(request: HttpRequest, connector: Connector, redirect_uri: str, next_url: str) -> str:
    """Remember a new sign-in in the session; return the Authorization URL to send the user to."""
    verifier = random.token_urlsafe(64)  # 86 characters, within RFC 7636's 43 to 128
    state = random.token_urlsafe(32)
    now = time.time()
    flows = {
        key: flow
        for key, flow in request.session.get(SESSION_KEY, {}).items()
        if now - flow["at"] < FLOW_SECONDS
    }
    flows = dict(sorted(flows.items(), key=lambda item: item[1]["at"])[-(MAX_FLOWS - 1) :])
    flows[state] = {
        "connector": connector.name,
        "verifier": sealing.seal(verifier),
        "redirect_uri": redirect_uri,
        "next": next_url,
        "at": now,
    }
    request.session[SESSION_KEY] = flows
    params = [
        ("response_type", "code"),
        ("client_id", plain_setting(connector, "client_id")),
        ("redirect_uri", redirect_uri),
    ]
    if scope := connector.setting("scope"):
        params.append(("scope", scope))
    params += [("state", state), ("code_challenge", pkce_challenge(verifier))]
    params.append(("code_challenge_method", "S256"))
    params += [(row["key"], row["value"]) for row in connector.setting("authorization_params", [])]
    url = auth_url(connector, "authorization_url")
    return url + ("&" if "?" in url else "?") + urlencode(params)


@sensitive_variables("code", "verifier")
def finish(request: HttpRequest, state: str, code: str) -> Finished:
    """Check state, trade the code for tokens and store them. Raises FlowError or AuthFailed."""
    flows = dict(request.session.get(SESSION_KEY, {}))
    flow = flows.pop(state, None)
    request.session[SESSION_KEY] = flows  # a state is good for one callback only
    if flow is None or time.time() - flow["at"] >= FLOW_SECONDS:
        raise FlowError(
            "This sign-in does not belong to this browser session or has expired: press "
            "Generate New Access Token again."
        )
    connector = Connector.objects.filter(name=flow["connector"]).first()
    if connector is None:
        raise FlowError(f"The connector {flow['connector']} no longer exists.")
    if not code:
        raise FlowError("The provider sent no authorization code back.")
    verifier = sealing.unseal(flow["verifier"], owner="a sign-in")
    token = grants.exchange_code(connector, code, verifier, flow["redirect_uri"])
    broker.store(connector, token, request.user.get_username())
    return Finished(connector, flow["next"])


def is_pending(request: HttpRequest, state: str) -> bool:
    """True when `state` names a sign-in this browser session started and has not finished."""
    flow = request.session.get(SESSION_KEY, {}).get(state) if state else None
    return flow is not None and time.time() - flow["at"] < FLOW_SECONDS


def next_url_of(request: HttpRequest, state: str) -> str | None:
    """Where a sign-in that failed at the provider should go back to."""
    flow = request.session.get(SESSION_KEY, {}).get(state)
    return flow["next"] if flow else None
