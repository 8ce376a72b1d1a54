"""What curl, shells and APIs call things: curl's options, the headers and query parameters
that carry API keys, and the names an import makes from a host or a route. Pure."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, quote_plus

from connectors.lib.curl.shell import VAR_CLOSE, VAR_OPEN


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MARKER_RE = re.compile(f"{VAR_OPEN}([^{VAR_CLOSE}]*){VAR_CLOSE}")
DOLLAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
MUSTACHE_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PLACEHOLDER_RE = re.compile(
    r"^<[^<>]+>$|^\[[^\[\]]+\]$|^\{[A-Za-z_ -]+\}$|\byour[_ -]?|_here$|^x{4,}$|^\.\.\.$"
    r"|^(api[_-]?key|token|secret|password|access[_-]?token)$",
    re.IGNORECASE,
)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

# Headers that carry an API key (lower case). Authorization is handled on its own.
API_KEY_HEADERS = _words(
    """x-api-key api-key apikey x-apikey x-api-token api-token x-auth-token x-auth-key
    x-access-token access-token x-token private-token dd-api-key dd-application-key
    x-goog-api-key ocp-apim-subscription-key x-functions-key x-rapidapi-key x-figma-token
    x-shopify-access-token x-vault-token circle-token x-postmark-server-token
    x-postmark-account-token x-cmc_pro_api_key x-secret-key x-client-secret"""
)
# Query parameters that carry an API key, compared without `-` and `_`, in lower case.
API_KEY_PARAMS = _words("apikey key accesstoken token code authtoken privatetoken subscriptionkey")
# Headers a client sets by itself, or that only a browser sends.
DROPPED_HEADERS = _words(
    """content-length connection accept-encoding priority upgrade-insecure-requests te
    keep-alive proxy-connection expect"""
)
_GENERIC_LABELS = _words("api www rest app apps gateway public graph services")
_SHARED_HOSTS = _words(
    """azurewebsites herokuapp netlify vercel cloudfunctions amazonaws service-now okta
    salesforce atlassian zendesk myshopify appspot workers"""
)

SHORT = {
    "X": "request", "H": "header", "d": "data", "F": "form", "u": "user", "G": "get",
    "A": "user-agent", "b": "cookie", "e": "referer", "k": "insecure", "m": "max-time",
    "o": "output", "s": "silent", "S": "show-error", "L": "location", "v": "verbose",
    "i": "include", "I": "head", "T": "upload-file", "x": "proxy", "U": "proxy-user",
    "c": "cookie-jar", "D": "dump-header", "w": "write-out", "K": "config", "E": "cert",
    "r": "range", "C": "continue-at", "z": "time-cond", "Y": "speed-limit", "y": "speed-time",
    "t": "telnet-option", "Q": "quote", "P": "ftp-port", "f": "fail", "g": "globoff",
    "n": "netrc", "N": "no-buffer", "O": "remote-name", "R": "remote-time", "#": "progress-bar",
    "0": "http1.0", "1": "tlsv1", "2": "sslv2", "3": "sslv3", "4": "ipv4", "6": "ipv6",
    "j": "junk-session-cookies", "J": "remote-header-name", "l": "list-only", "M": "manual",
    "p": "proxytunnel", "q": "disable", "V": "version", "Z": "parallel", "h": "help",
    "a": "append", "B": "use-ascii",
}  # fmt: skip
TAKES_VALUE = _words(
    """request header data data-raw data-binary data-ascii data-urlencode json form
    form-string user url url-query user-agent cookie referer max-time output upload-file proxy
    proxy-user cookie-jar dump-header write-out config cert range continue-at time-cond
    speed-limit speed-time telnet-option quote ftp-port oauth2-bearer connect-timeout cacert
    capath cert-type ciphers connect-to dns-servers interface keepalive-time key key-type
    limit-rate local-port max-filesize max-redirs noproxy pass resolve retry retry-delay
    retry-max-time trace trace-ascii stderr tls-max proto proto-redir proto-default aws-sigv4
    request-target unix-socket abstract-unix-socket netrc-file preproxy socks4 socks4a socks5
    socks5-hostname expect100-timeout happy-eyeballs-timeout-ms hostpubmd5 hostpubsha256
    login-options mail-from mail-rcpt mail-auth sasl-authzid service-name tlsuser tlspassword
    tlsauthtype crlfile pinnedpubkey variable etag-save etag-compare output-dir
    create-file-mode parallel-max rate ipfs-gateway ech curves alt-svc hsts doh-url
    proxy-header delegation egd-file random-file krb ftp-account ftp-alternative-to-user
    ftp-method ftp-ssl-ccc-mode proxy-cacert proxy-cert proxy-key proxy-pass proxy-ciphers
    proxy-service-name proxy-tlsuser proxy-tlspassword proxy-tlsauthtype trace-config
    sslv2-ciphers tls13-ciphers proxy-tls13-ciphers dns-interface dns-ipv4-addr dns-ipv6-addr
    max-time-ms"""
)
IGNORED_MEANING = {
    "location": "Test follows redirects by itself (up to 5, to allowed hosts).",
    "compressed": "curl asked for a compressed response; Test does too (gzip, deflate, br, zstd) "
    "and decompresses it by itself.",
}
# Options that change only what curl does with the answer, or how it connects: the request
# itself (method, path, query, headers, body) is the same without them.
NO_EFFECT = _words(
    """silent show-error verbose include output remote-name remote-name-all write-out
    dump-header progress-bar no-progress-meter no-buffer fail fail-with-body fail-early
    remote-header-name remote-time retry retry-delay retry-max-time retry-connrefused
    retry-all-errors connect-timeout create-dirs stderr trace trace-ascii trace-time
    styled-output globoff ipv4 ipv6 max-redirs max-filesize limit-rate speed-limit speed-time
    tcp-nodelay tcp-fastopen keepalive-time no-keepalive cookie-jar output-dir
    create-file-mode parallel parallel-max parallel-immediate help version http1.1 noproxy
    ssl-no-revoke ssl-revoke-best-effort raw no-sessionid no-alpn no-npn basic interface
    local-port dns-servers happy-eyeballs-timeout-ms expect100-timeout ignore-content-length
    tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3 tls-max ciphers tls13-ciphers proto proto-redir
    proto-default max-time-ms sslv2 sslv3 no-buffer suppress-connect-headers"""
)
# Options that do change what curl sent, in a way an action cannot: what the import does.
CHANGES_MEANING = {
    "proxy": "curl sent the request through that proxy; Test connects to the API directly.",
    "proxy-user": "curl logged in to its proxy; Test uses no proxy.",
    "preproxy": "curl went through a SOCKS proxy; Test connects to the API directly.",
    "socks5": "curl went through a SOCKS proxy; Test connects to the API directly.",
    "socks5-hostname": "curl went through a SOCKS proxy; Test connects to the API directly.",
    "socks4": "curl went through a SOCKS proxy; Test connects to the API directly.",
    "socks4a": "curl went through a SOCKS proxy; Test connects to the API directly.",
    "proxy-header": "curl sent this header to its proxy only; Test uses no proxy.",
    "no-basic": "turns Basic off only after another auth option; -u is still sent as Basic "
    "Auth here, as curl does.",
    "anyauth": "curl picked the auth the server asked for; the import uses Basic Auth for -u.",
    "aws-sigv4": "curl signed the request with AWS Signature Version 4; Test cannot sign it, "
    "so an AWS API will refuse it.",
    "cert": "curl presented a client certificate; Test cannot, and an API that requires one "
    "refuses the request.",
    "key": "curl presented a client certificate; Test cannot.",
    "cacert": "curl trusted that certificate authority; Test trusts the system's (turn Verify "
    "TLS off for a private one).",
    "capath": "curl trusted those certificate authorities; Test trusts the system's.",
    "pinnedpubkey": "curl checked the server's key; Test checks its certificate.",
    "resolve": "curl connected to another address for the host; Test resolves the host itself.",
    "connect-to": "curl connected to another host and port; Test connects to the URL's.",
    "unix-socket": "curl went through a Unix socket; Test connects over the network.",
    "abstract-unix-socket": "curl went through a Unix socket; Test connects over the network.",
    "netrc": "curl read a user and password from ~/.netrc; set them in the Auth Config.",
    "netrc-optional": "curl read a user and password from ~/.netrc; set them in the Auth Config.",
    "netrc-file": "curl read a user and password from that file; set them in the Auth Config.",
    "config": "curl read more options from that file, which an import cannot: put them in the "
    "command.",
    "http2": "curl offered HTTP/2 (over http:// with Upgrade headers); Test speaks HTTP/1.1 with "
    "the same method, path, headers and body.",
    "http2-prior-knowledge": "curl spoke HTTP/2; Test speaks HTTP/1.1 with the same request.",
    "http3": "curl spoke HTTP/3; Test speaks HTTP/1.1 with the same request.",
    "http1.0": "curl spoke HTTP/1.0; Test speaks HTTP/1.1 with the same request.",
    "request-target": "curl sent another target than the URL's path; the action uses the path.",
    "path-as-is": "curl sent /../ and /./ as written; check the Path.",
    "continue-at": "curl asked for the rest of a file with a Range header; add a Range header if "
    "the API needs one.",
    "time-cond": "curl sent an If-Modified-Since header; add it if the API needs one.",
    "tr-encoding": "curl asked for a compressed transfer (a TE header); Test does not.",
    "location-trusted": "curl sent the credentials on to other hosts when redirected; Test never "
    "does.",
    "post301": "curl kept POST on a 301 redirect; Test follows it with GET, as browsers do.",
    "post302": "curl kept POST on a 302 redirect; Test follows it with GET, as browsers do.",
    "junk-session-cookies": "curl dropped session cookies read from a file; the import reads no "
    "cookie file.",
    "delegation": "curl delegated Kerberos credentials; Test cannot.",
}
# Auth schemes an import cannot keep: sending -u as Basic instead would show the password.
REFUSED_AUTH = {
    "ntlm": "NTLM",
    "negotiate": "Negotiate (Kerberos)",
}


def identifier(text: str, fallback: str) -> str:
    """A Name the models accept: a letter, then letters, digits or _, 2 to 64 characters."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or fallback
    if not name[0].isalpha():
        name = f"{fallback}_{name}"
    if len(name) < 2:
        name = f"{name}_{fallback}"
    return name[:64].rstrip("_")


def host_label(host: str) -> str:
    """The part of a host that names the service: api.openai.com -> openai."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return "local"
    except ValueError:
        pass
    labels = [label for label in host.lower().split(".") if label]
    if len(labels) < 2:
        return labels[0] if labels else "api"
    at = len(labels) - 2
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in {"co", "com", "org", "net"}:
        at -= 1  # api.example.co.uk
    if labels[at] in _SHARED_HOSTS:
        named = [label for label in labels[:at] if label not in _GENERIC_LABELS]
        return named[0] if named else labels[at]
    return labels[at]


def shown(word: str) -> str:
    """A word as the user wrote it, variables back in shell form."""
    return MARKER_RE.sub(
        lambda m: m.group(1) if m.group(1).startswith("$(") else "$" + m.group(1), word
    )


def is_key_param(name: str) -> bool:
    return re.sub(r"[-_]", "", name.lower()) in API_KEY_PARAMS


def quote_keeping_markers(text: str, *, plus: bool = False) -> str:
    """Percent-encode as curl does, leaving variable markers whole (`plus`: a space as `+`,
    as curl's --data-urlencode writes it)."""
    pieces = re.split(f"({VAR_OPEN}[^{VAR_CLOSE}]*{VAR_CLOSE})", text)
    quoted = quote_plus if plus else quote
    return "".join(
        piece if index % 2 else quoted(piece, safe="") for index, piece in enumerate(pieces)
    )
