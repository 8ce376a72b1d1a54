"""The API: one NinjaAPI, token auth on every operation, each area's router."""

from __future__ import annotations

from ninja import NinjaAPI

from connectors.api import (
    channels,
    checks,
    client,
    connectors,
    credentials,
    errors,
    monitors,
    runs,
    suites,
)
from connectors.api.auth import BearerToken

api = NinjaAPI(
    title="Connector Studio API",
    version="1",
    description="The catalog, checks, Test runs, suite runs, monitors, alert channels and "
    "credentials of this Connector Studio. Every operation takes a personal API token "
    "(`Authorization: Bearer <token>`, created on /account/tokens/) and acts with its user's "
    "role: a Viewer's token reads, a Developer's or Admin's also runs Tests and suite runs "
    "and manages monitors; alert channels are for Admins. Errors are JSON: "
    '`{"detail": sentence, "errors": [{"field", "message"}]}`.',
    auth=BearerToken(),
    urls_namespace="api",
    docs_url=None,  # the docs page is ours (connectors.api.docs): no CDN, strict CSP
)
errors.install(api)
api.add_router("/", connectors.router)
api.add_router("/", checks.router)
api.add_router("/", runs.router)
api.add_router("/", credentials.router)
api.add_router("/", suites.router)
api.add_router("/", monitors.router)
api.add_router("/", channels.router)
api.add_router("/", client.router)
