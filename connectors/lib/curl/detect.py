"""Finding the auth and the secrets in a read command: never leave a secret in a plain field.

Order, as curl itself lets one win: an Authorization header, then --oauth2-bearer, then -u (or
user:pass@ in the URL), then a known API-key header, then a known API-key query parameter, then a
Cookie. Whatever else carries a secret is kept apart (secret connector headers) or replaced by an
input arg, its literal dropped, with a note.
"""

from __future__ import annotations

import base64
import binascii
import re

from connectors.lib.curl.result import DetectedAuth, ParsedCurl, Secret
from connectors.lib.curl.shell import VAR_CLOSE, VAR_OPEN
from connectors.lib.curl.vocabulary import (
    API_KEY_HEADERS,
    DOLLAR_RE,
    MARKER_RE,
    MUSTACHE_RE,
    PLACEHOLDER_RE,
    host_label,
    identifier,
    is_key_param,
    shown,
)


class AuthDetection:
    """Mixed into the reader: works on its `parsed` request, `user` and `bearer`."""

    parsed: ParsedCurl
    user: str | None
    bearer: str | None
    digest: bool

    def note(self, text: str) -> None:
        raise NotImplementedError

    def base(self) -> str:
        return identifier(host_label(self.parsed.host).upper(), "API")

    def secret(self, raw: str, suggested: str, where: str) -> Secret:
        """A literal stays a literal (for a new credential); a variable becomes a reference."""
        if (m := MARKER_RE.fullmatch(raw)) and not m.group(1).startswith("$("):
            return Secret(m.group(1))
        if m:
            self.note(
                f"{where} comes from running `{m.group(1)[2:-1]}`: it now refers to the credential"
                f" {suggested}; set it before pressing Test."
            )
            return Secret(suggested)
        for pattern in (DOLLAR_RE, MUSTACHE_RE):
            if m := pattern.fullmatch(raw):
                return Secret(m.group(1))
        if MARKER_RE.search(raw) or PLACEHOLDER_RE.search(raw):
            self.note(
                f"{where} `{shown(raw)}` looks like a placeholder: it now refers to the "
                f"credential {suggested}; set it to the real value before pressing Test."
            )
            return Secret(suggested)
        self.parsed.secret_literals.append(raw)
        return Secret(suggested, raw)

    def pop_header(self, wanted: frozenset[str] | set[str]) -> tuple[str, str] | None:
        for index, (key, _value) in enumerate(self.parsed.headers):
            if key.lower() in wanted:
                return self.parsed.headers.pop(index)
        return None

    def detect_auth(self) -> None:
        p = self.parsed
        if found := self.pop_header({"authorization"}):
            p.auth = self.from_authorization(found[1])
            if self.user is not None:
                self.note("-u was not used: the Authorization header wins, as in curl.")
        elif self.bearer is not None:
            p.auth = self.api_key_header(
                "Authorization", "Bearer %s", self.bearer, "--oauth2-bearer"
            )
            if self.user is not None:
                self.note("-u was not used: --oauth2-bearer wins, as in curl.")
        elif self.user is not None:
            p.auth = self.from_user(self.user, "-u")
            if self.digest:  # --digest: curl answers the server's challenge, never sends it
                p.auth.auth_config, p.auth.source = "DIGEST", "--digest -u"
        elif found := self.pop_header(API_KEY_HEADERS):
            p.auth = self.api_key_header(found[0], "%s", found[1], f"the {found[0]} header")
        elif (index := self.key_param_index()) is not None:
            name, value = p.query.pop(index)
            secret = self.secret(value, f"{self.base()}_API_KEY", f"The {name} parameter")
            p.auth = DetectedAuth(
                "API_KEY",
                {"api_key_auth_type": "PARAM", "param_auth_param_name": name},
                {"api_key": secret},
                f"the {name} query parameter",
            )
        elif found := self.pop_header({"cookie"}):
            p.auth = self.api_key_header("Cookie", "%s", found[1], "the Cookie header")
            self.note("The Cookie header holds the session: it is kept as the Api Key, sealed.")

    def key_param_index(self) -> int | None:
        for index, (name, _value) in enumerate(self.parsed.query):
            if is_key_param(name) and not self.repeated(name):
                return index
        return None

    def repeated(self, name: str) -> bool:
        """`?key=one&key=two` is a list of values, not a key: both stay query params."""
        return sum(1 for key, _ in self.parsed.query if key == name) > 1

    def api_key_header(self, key: str, pattern: str, value: str, source: str) -> DetectedAuth:
        secret = self.secret(value, f"{self.base()}_API_KEY", f"The {key} value")
        return DetectedAuth(
            "API_KEY",
            {"api_key_auth_type": "HEADER", "header_auth_key": key,
             "header_auth_value_pattern": pattern},
            {"api_key": secret},
            source,
        )  # fmt: skip

    def from_authorization(self, value: str) -> DetectedAuth:
        scheme, _, credentials = value.partition(" ")
        credentials = credentials.strip()
        if not credentials or not re.fullmatch(r"[A-Za-z][\w.-]*", scheme):
            return self.api_key_header("Authorization", "%s", value, "the Authorization header")
        if scheme.lower() == "basic" and VAR_OPEN not in credentials:
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            if ":" in decoded:
                self.parsed.secret_literals.append(credentials)
                return self.from_user(decoded, "the Basic Authorization header")
        return self.api_key_header(
            "Authorization", f"{scheme} %s", credentials, "the Authorization header"
        )

    def from_user(self, user: str, source: str) -> DetectedAuth:
        username, colon, password = user.partition(":")
        base = self.base()
        found: dict[str, Secret] = {}
        settings: dict[str, str] = {"username": username}
        if colon and not password and username:
            # The API key as Username and no Password (Stripe, Greenhouse): still a secret.
            found["username"] = self.secret(username, f"{base}_API_KEY", "The Username")
        elif MARKER_RE.search(username) or MUSTACHE_RE.fullmatch(username):
            found["username"] = self.secret(username, f"{base}_USERNAME", "The Username")
        if password:
            # Mailgun's `api:KEY`: the Password is the API key.
            kind = (
                "API_KEY" if username.lower() in {"api", "apikey", "api_key", "x"} else "PASSWORD"
            )
            found["password"] = self.secret(password, f"{base}_{kind}", "The Password")
        if not colon:
            self.note(
                "-u has no password, so curl would ask for one: set Password if it needs one."
            )
        if "username" in found:
            settings["username"] = ""
        return DetectedAuth("BASIC", settings, found, source)

    def keep_other_secrets(self) -> None:
        """Secret-bearing headers besides the auth go apart; a second key param becomes an arg."""
        p = self.parsed
        while found := self.pop_header(API_KEY_HEADERS | {"authorization"}):
            key, value = found
            name = identifier(key.upper(), "HEADER")
            p.secret_headers.append((key, self.secret(value, name, f"The {key} value")))
        if found := self.pop_header({"cookie"}):
            key, value = found
            p.secret_headers.append(
                (key, self.secret(value, f"{self.base()}_COOKIE", "The Cookie"))
            )
            self.note("The Cookie header is a secret connector header, sealed.")
        for index, (name, value) in enumerate(p.query):
            if not is_key_param(name) or self.repeated(name):
                continue
            arg = identifier(name, "param")
            if not MARKER_RE.fullmatch(value):
                p.secret_literals.append(value)
                self.note(
                    f"The {name} parameter looks like a second secret: it is the input arg "
                    f"{{{{{arg}}}}} now, and its value was not kept."
                )
                p.query[index] = (name, f"{VAR_OPEN}{arg}{VAR_CLOSE}")
