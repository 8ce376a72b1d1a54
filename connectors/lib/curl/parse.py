"""A pasted cURL command read into what a connector and an action need. Pure, no I/O.

The result keeps secrets apart: the auth it detects (an `Authorization` header, `-u`, a known
API-key header or query parameter) and other secret-bearing headers hold a `Secret`, either a
literal the importer keeps as a new team credential or the name of one the command refers to
(`$NAME`, `${NAME}`, `%NAME%`, Postman's `{{NAME}}`). Other shell variables become `{{NAME}}`
input args. Multipart `-F` fields become a form-encoded body: actions send text bodies only.
"""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlsplit

from connectors.lib import templating
from connectors.lib.curl.detect import AuthDetection
from connectors.lib.curl.result import ParsedCurl
from connectors.lib.curl.shell import VAR_OPEN, CurlParseError, split_command
from connectors.lib.curl.vocabulary import (
    CHANGES_MEANING,
    DROPPED_HEADERS,
    FORM_CONTENT_TYPE,
    IGNORED_MEANING,
    JSON_CONTENT_TYPE,
    MARKER_RE,
    NO_EFFECT,
    REFUSED_AUTH,
    SHORT,
    TAKES_VALUE,
    identifier,
    quote_keeping_markers,
    shown,
)
from connectors.lib.outbound import urls

__all__ = ["parse_curl"]


def parse_curl(command: str) -> ParsedCurl:
    """Read a cURL command; raises CurlParseError naming the token it cannot read."""
    words, notes = split_command(command)
    if words and words[0] in {"$", ">", "%", "#"}:
        words = words[1:]  # a prompt copied from the docs
    if not words:
        raise CurlParseError("Paste a cURL command: this one is empty.")
    if not re.fullmatch(r"(?:.*[/\\])?curl(?:\.exe)?", words[0], re.IGNORECASE):
        raise CurlParseError(
            f"This is not a cURL command: it starts with `{shown(words[0])}`, not `curl`."
        )
    reader = _Reader(notes)
    reader.read(words[1:])
    return reader.result()


def open_ended(value: str) -> str:
    """curl's --range: a lone start (`600`) gets the dash that makes it `600-`, as curl adds."""
    start = re.match(r"[0-9]+", value)
    return f"{start.group()}-" if start and "-" not in value else value


class _Reader(AuthDetection):
    def __init__(self, notes: list[str]) -> None:
        self.parsed = ParsedCurl(notes=notes)
        self.urls: list[str] = []
        self.method: str | None = None
        self.implied_method: str | None = None
        self.raw_headers: list[str] = []
        self.extra_headers: list[tuple[str, str]] = []
        self.data: list[str] = []
        self.json: list[str] = []
        self.form: list[str] = []
        self.url_query: list[str] = []
        self.cookies: list[str] = []
        self.user: str | None = None
        self.bearer: str | None = None
        self.digest = False
        self.use_get = False
        self.file_data = False  # -d @file: curl POSTs the file, which an import cannot read
        self.upload: str | None = None  # -T file
        self.refused_auth: tuple[str, str] | None = None  # (option, scheme) e.g. --digest
        self.ignored: list[str] = []  # options that leave the request as it is
        self.unknown: list[str] = []  # options the import does not read

    def note(self, text: str) -> None:
        if text not in self.parsed.notes:
            self.parsed.notes.append(text)

    # --- words -> options ------------------------------------------------------------------------

    def read(self, words: list[str]) -> None:
        i = 0
        only_urls = False
        while i < len(words):
            word = words[i]
            i += 1
            if only_urls or not word.startswith("-") or word == "-":
                self.urls.append(word)
            elif word == "--":
                only_urls = True
            elif word.startswith("--"):
                name, _, attached = word[2:].partition("=")
                if name not in TAKES_VALUE:
                    self.flag(word[2:], word)
                    continue
                if not attached:
                    if i >= len(words):
                        raise CurlParseError(
                            f"Could not read the command: `{word}` needs a value after it."
                        )
                    attached, i = words[i], i + 1
                self.option(name, attached, word)
            else:
                i = self.read_short(word, words, i)

    def read_short(self, word: str, words: list[str], i: int) -> int:
        """`-sSL`, `-XPOST`, `-H'k: v'`, `-u user:pass`: letters, the last may take a value."""
        for at in range(1, len(word)):
            letter = word[at]
            name = SHORT.get(letter)
            if name is None:
                raise CurlParseError(
                    f"Could not read the command: `-{letter}` in `{shown(word)}` is not a curl "
                    "option."
                )
            if name not in TAKES_VALUE:
                self.flag(name, f"-{letter}")
                continue
            value = word[at + 1 :]
            if not value:
                if i >= len(words):
                    raise CurlParseError(
                        f"Could not read the command: `-{letter}` needs a value after it."
                    )
                value, i = words[i], i + 1
            self.option(name, value, f"-{letter}")
            break
        return i

    def option(self, name: str, value: str, spelled: str) -> None:
        match name:
            case "request":
                self.method = value.upper()
            case "header":
                self.raw_headers.append(value)
            case "data" | "data-ascii" | "data-binary" if value.startswith("@"):
                self.from_file(spelled, value)
                self.file_data = True
            case "data" | "data-ascii" | "data-binary" | "data-raw":
                self.data.append(value)
            case "data-urlencode":
                encoded = self.urlencode_piece(value, spelled)
                if encoded is not None:
                    self.data.append(encoded)
            case "json" if value.startswith("@"):
                self.from_file(spelled, value)
                self.json.append("")
            case "json":
                self.json.append(value)
            case "form" | "form-string":
                self.form.append(value if name == "form-string" else f"{value}\0")
            case "user":
                self.user = value
            case "url":
                self.urls.append(value)
            case "url-query":
                self.url_query.append(value)
            case "user-agent":
                self.extra_headers.append(("User-Agent", value))
            case "referer":
                self.extra_headers.append(("Referer", value.removesuffix(";auto")))
            case "cookie" if "=" in value:
                self.cookies.append(value)
            case "cookie":
                self.note(
                    f"`{spelled} {shown(value)}` reads cookies from a file, which an import "
                    "cannot: add a Cookie header if the API needs one."
                )
            case "oauth2-bearer":
                self.bearer = value
            case "max-time":
                self.timeout(value, spelled)
            case "upload-file":
                self.implied_method = self.implied_method or "PUT"
                self.upload = value
                self.from_file(spelled, value)
            case "range":
                self.extra_headers.append(("Range", f"bytes={open_ended(value)}"))
            case _:
                self.unused(name, f"{spelled} {shown(value)}")

    def flag(self, name: str, spelled: str) -> None:
        if name == "get":
            self.use_get = True
        elif name == "insecure":
            self.parsed.verify_tls = False
            self.note(f"{spelled}: Verify TLS is off, as curl skipped the certificate check.")
        elif name == "head":
            self.implied_method = "HEAD"
        elif name == "digest":
            self.digest = True
        elif name in REFUSED_AUTH:
            self.refused_auth = (spelled, REFUSED_AUTH[name])
        elif meaning := IGNORED_MEANING.get(name):
            self.note(f"{spelled}: {meaning}")
        else:
            self.unused(name, spelled)

    def unused(self, name: str, spelled: str) -> None:
        """An option the action has no field for: say truly whether it changed the request."""
        if meaning := CHANGES_MEANING.get(name):
            self.note(f"`{spelled}`: {meaning}")
        elif name in NO_EFFECT or (name.startswith("no-") and name[3:] in NO_EFFECT):
            self.ignored.append(spelled)
        else:
            self.unknown.append(spelled)

    def from_file(self, spelled: str, value: str) -> None:
        self.note(
            f"`{spelled} {shown(value)}` reads a file, which an import cannot: "
            "paste the file's content into Body."
        )

    def timeout(self, value: str, spelled: str) -> None:
        try:
            seconds = min(300, max(1, math.ceil(float(value))))
        except ValueError:
            self.ignored.append(f"{spelled} {value}")
            return
        self.parsed.timeout = seconds
        self.note(f"{spelled} {value}: the connector's timeout is {seconds} s.")

    def urlencode_piece(self, value: str, spelled: str) -> str | None:
        """curl's --data-urlencode forms: `content`, `=content`, `name=content`, `name@file`."""
        name, equals, content = value.partition("=")
        if not equals:
            if "@" in value:
                self.from_file(spelled, value)
                self.file_data = True
                return None
            return quote_keeping_markers(value, plus=True)
        encoded = quote_keeping_markers(content, plus=True)
        return f"{name}={encoded}" if name else encoded

    # --- options -> request ----------------------------------------------------------------------

    def result(self) -> ParsedCurl:
        p = self.parsed
        self.read_url()
        self.refuse_auth()  # after the URL: its user:password@ counts as -u
        self.read_body()
        sends_data = bool(self.data or self.json or self.file_data) and not self.use_get
        p.method = self.method or self.implied_method or ("POST" if sends_data else "GET")
        self.read_headers()
        self.detect_auth()
        self.keep_other_secrets()
        self.to_templates()
        if self.ignored:
            they = "they do not" if len(self.ignored) > 1 else "it does not"
            self.note(f"Ignored {', '.join(self.ignored)}: {they} change the request.")
        if self.unknown:
            it, did = ("them", "they do") if len(self.unknown) > 1 else ("it", "it does")
            self.note(
                f"Left out {', '.join(self.unknown)}: the import does not read {it}; check "
                f"whether the API needs what {did}."
            )
        return p

    def refuse_auth(self) -> None:
        if self.refused_auth is None:
            return
        spelled, scheme = self.refused_auth
        if self.user is None:
            self.note(f"{spelled}: without -u there is nothing to authenticate with; left out.")
            return
        raise CurlParseError(
            f"`{spelled}`: this command logs in with {scheme} authentication, which a connector "
            "cannot use. Importing it as Basic Auth would send the password in the clear, so "
            "nothing was imported."
        )

    def read_url(self) -> None:
        if not self.urls:
            raise CurlParseError("Could not read the command: it has no URL.")
        if len(self.urls) > 1:
            raise CurlParseError(
                f"Could not read the command: `{shown(self.urls[1])}` is a second URL (or a "
                "value whose option is missing); import one request at a time."
            )
        url = self.urls[0]
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", url):
            if url.startswith(VAR_OPEN) or url.startswith("{{"):
                raise CurlParseError(
                    f"Could not read the URL `{shown(url)}`: its host is a variable. "
                    "Put the real scheme and host in the command."
                )
            url = "http://" + url
            self.note("The URL has no scheme: http://, as curl assumes.")
        try:  # curl and the studio's parser could read these differently: refused
            urls.check_characters(url)
        except urls.UnsafeURL as error:
            problem = error.message
            raise CurlParseError(f"Could not read the URL `{shown(url)}`: {problem}") from None
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in {"http", "https"}:
            raise CurlParseError(
                f"Could not read the URL `{shown(url)}`: only http:// and https:// can be imported."
            )
        if not parts.hostname or VAR_OPEN in parts.netloc or "{" in parts.netloc:
            raise CurlParseError(
                f"Could not read the URL `{shown(url)}`: it needs a host, not a variable."
            )
        if "@" in parts.netloc and self.user is None:
            self.user = parts.netloc.rpartition("@")[0]
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:  # not a number, or past 65535
            raise CurlParseError(
                f"Could not read the URL `{shown(url)}`: its port is not a number from 1 to 65535."
            ) from None
        self.parsed.base_url = f"{scheme}://{host}{port}"
        self.parsed.path = parts.path or "/"
        if self.upload not in (None, "-", ".") and self.parsed.path.endswith("/"):
            # As curl: a URL without a file name gets the uploaded file's name.
            file_name = re.split(r"[/\\]", self.upload or "")[-1]
            self.parsed.path += quote_keeping_markers(file_name)
        self.parsed.query = parse_qsl(parts.query, keep_blank_values=True)
        for piece in self.url_query:
            name, equals, _ = piece.removeprefix("+").partition("=")
            if not equals and "@" in name:  # `@file`, `name@file`, `@-`: read from a file
                source = "standard input" if piece.endswith("@-") else "a file"
                self.note(
                    f"`--url-query {shown(piece)}` reads {source}, which an import cannot: "
                    "add its parameters to Query Params."
                )
                continue
            self.parsed.query += parse_qsl(piece.removeprefix("+"), keep_blank_values=True)
        if parts.fragment:
            self.note(f"Left out the fragment `#{shown(parts.fragment)}`: it is never sent.")

    def read_body(self) -> None:
        p = self.parsed
        if self.form and (self.data or self.json):
            raise CurlParseError(
                "Could not read the command: it mixes -F (a multipart form) with -d or --json "
                "data, which curl refuses too."
            )
        if self.form:
            p.body = "&".join(f for f in (self.form_field(v) for v in self.form) if f is not None)
            self.implied_method = self.implied_method or "POST"
            self.note(
                "The -F fields are sent as a form-encoded body (application/x-www-form-urlencoded):"
                " actions send text bodies, not multipart, and most APIs accept both."
            )
            self.extra_headers.append(("Content-Type", FORM_CONTENT_TYPE))
            return
        data = "&".join(self.data)
        if self.use_get:
            p.query += parse_qsl(data, keep_blank_values=True)
            if self.json:
                p.body = "".join(self.json)
            return
        p.body = data + "".join(self.json)

    def form_field(self, value: str) -> str | None:
        literal = not value.endswith("\0")
        value = value.rstrip("\0")
        name, equals, content = value.partition("=")
        if not equals:
            self.note(f"Left out the -F field `{shown(value)}`: it has no `=`.")
            return None
        if not literal and content[:1] in {"@", "<"}:
            self.note(f"Left out the -F file field `{shown(name)}`: an import cannot read files.")
            return None
        if not literal:
            content = re.sub(r";(type|filename|headers|encoder)=.*$", "", content)
            if len(content) >= 2 and content[0] == content[-1] == '"':
                content = content[1:-1].replace('\\"', '"')  # Postman's -F 'name="value"'
        return f"{quote_keeping_markers(name)}={quote_keeping_markers(content)}"

    def read_headers(self) -> None:
        p = self.parsed
        merged: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        dropped: list[str] = []

        def add(key: str, value: str) -> None:
            low = key.lower()
            if low in DROPPED_HEADERS or low.startswith("sec-"):
                if key not in dropped:
                    dropped.append(key)
                return
            names.setdefault(low, key)
            merged.setdefault(low, []).append(value)

        for raw in self.raw_headers:
            if raw.startswith("@"):
                self.from_file("-H", raw)
                continue
            key, colon, value = raw.partition(":")
            if not colon and key.endswith(";"):
                add(key[:-1].strip(), "")
            elif not colon or not key.strip():
                self.note(f"Left out the header `{shown(raw)}`: it has no `name: value`.")
            elif value.strip():
                add(key.strip(), value.strip())
            else:
                self.note(f"Left out `{shown(raw)}`: curl reads it as removing that header.")
        for key, value in self.extra_headers:
            if key.lower() == "content-type" and p.body and self.form:
                merged.pop("content-type", None)  # multipart's type no longer fits the body
            if key.lower() not in merged:
                add(key, value)
        for cookie in self.cookies:
            add("Cookie", cookie)
        if self.json:
            for key in ("Content-Type", "Accept"):
                if key.lower() not in merged:
                    add(key, JSON_CONTENT_TYPE)
        if (self.data or self.file_data) and not self.use_get and "content-type" not in merged:
            add("Content-Type", FORM_CONTENT_TYPE)  # as curl sends -d, even an empty one
        if "host" in merged:
            self.note(
                f"The Host header is kept: curl sent it in place of {p.host}, and so does Test "
                f"(the request still goes to {p.host})."
            )
        for low, values in merged.items():
            joiner = "; " if low == "cookie" else ", "
            p.headers.append((names[low], joiner.join(v for v in values if v)))
        if dropped:
            self.note(
                f"Left out {', '.join(dropped)}: the client sets these itself or only a browser "
                "sends them."
            )

    # --- variables -> {{NAME}} -------------------------------------------------------------------

    def to_templates(self) -> None:
        p = self.parsed
        p.path = self.template(p.path, "path_value")
        p.query = [(self.template(k, "param"), self.template(v, k)) for k, v in p.query]
        p.headers = [(self.template(k, "header"), self.template(v, k)) for k, v in p.headers]
        p.body = self.template(p.body, "body_value")
        for text in [p.path, p.body, *(k + v for k, v in p.query + p.headers)]:
            try:
                used = templating.variables(text)
            except templating.TemplateError:
                continue  # the action form names the fault
            p.variables += sorted(name for name in used if name not in p.variables)

    def template(self, text: str, context: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("$("):
                self.note(
                    f"`{name}` is a command's output: the input arg "
                    f"{{{{{identifier(context, 'value')}}}}} takes its place."
                )
                name = context
            return "{{" + identifier(name, "value") + "}}"

        return MARKER_RE.sub(replace, text)
