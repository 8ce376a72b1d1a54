"""Where a secret may go: the origin it was entered for, or a credential's Allowed hosts.

A connector's own secret is stamped, when entered, with the origins (scheme, host, port) of the
URLs it travels to: `{"api": origin}` for the Base URL, plus `"token"` for secrets that go to a
token endpoint. A save that moves one of those origins retires the secret (`settle`); the
executor and the token broker check every secret against the final URL before sending (`check`).
"""

from connectors.homes.checks import (
    API,
    TOKEN,
    TOKEN_SIDE,
    NotSet,
    Refused,
    check,
    check_field,
    check_reference,
    check_token_request,
    check_token_use,
    credential_hosts,
    home_for,
    label_of,
    roles_of,
)
from connectors.homes.origins import (
    TAG_RE,
    Origin,
    UnsafeURL,
    check_url_template,
    host_allowed,
    hosts_of,
    invalid_hosts,
    origin_of,
    parse_hosts,
    parse_origin,
)
from connectors.homes.retire import bound_to_base_url, settle, snapshot, url_label

__all__ = [
    "API",
    "TAG_RE",
    "TOKEN",
    "TOKEN_SIDE",
    "NotSet",
    "Origin",
    "Refused",
    "UnsafeURL",
    "bound_to_base_url",
    "check",
    "check_field",
    "check_reference",
    "check_token_request",
    "check_token_use",
    "check_url_template",
    "credential_hosts",
    "home_for",
    "host_allowed",
    "hosts_of",
    "invalid_hosts",
    "label_of",
    "origin_of",
    "parse_hosts",
    "parse_origin",
    "roles_of",
    "settle",
    "snapshot",
    "url_label",
]
