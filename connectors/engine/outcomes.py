"""How a Test's outcome reads in the panel: a title in plain words, and whether it was sent."""

from __future__ import annotations

TITLES = {
    "AuthFailed": "Authorization failed",
    "BadResponse": "Unreadable response",
    "Blocked": "Address blocked",
    "Cancelled": "Cancelled",
    "ConnectError": "Could not connect",
    "ConnectTimeout": "Could not connect in time",
    "ConstructError": "Could not build the request",
    "CredentialMissing": "Credential missing",
    "DNSError": "Host not found",
    "Deadline": "Timed out",
    "InvalidHeader": "Invalid header",
    "InvalidURL": "Invalid URL",
    "OutboundError": "Request failed",
    "Redirect": "Redirect not followed",
    "RequestTooLarge": "Request too large",
    "SecretUnreadable": "Secret unreadable",
    "TLSError": "Secure connection failed",
    "TooLarge": "Response too large",
}

# Failures that happen before a byte of the request leaves: the request was built (perhaps)
# but never reached the server.
NOT_SENT = frozenset(
    {
        "AuthFailed",
        "Blocked",
        "ConnectError",
        "ConnectTimeout",
        "ConstructError",
        "CredentialMissing",
        "DNSError",
        "InvalidHeader",
        "InvalidURL",
        "RequestTooLarge",
        "SecretUnreadable",
        "TLSError",
    }
)


def title(error_kind: str) -> str:
    """The failure's title; an unknown kind reads "Request failed" rather than a code name."""
    return TITLES.get(error_kind, "Request failed")


def was_sent(error_kind: str) -> bool:
    return error_kind not in NOT_SENT
