"""cURL import reads a command as curl itself means it: files, uploads, ranges, Host, auth order,
and notes that never say an option changes nothing when it does."""

from __future__ import annotations

import pytest

from connectors.lib.curl.parse import parse_curl
from connectors.lib.curl.shell import CurlParseError
from tests.conftest import client_for

FORM = "application/x-www-form-urlencoded"


def notes_of(command: str) -> str:
    return " | ".join(parse_curl(command).notes)


def test_it_ignores_comment_and_blank_lines_around_the_command() -> None:
    parsed = parse_curl(
        "# List the users\n\n# of the team\ncurl https://api.example.com/users \\\n"
        "  # the token\n  -H 'Accept: application/json'\n\n"
    )
    assert (parsed.method, parsed.url) == ("GET", "https://api.example.com/users")
    assert parsed.headers == [("Accept", "application/json")]


@pytest.mark.parametrize("option", ["-d", "--data", "--data-binary", "--data-ascii"])
def test_it_posts_a_data_file_as_curl_does_and_asks_for_its_content(option: str) -> None:
    parsed = parse_curl(f"curl https://api.example.com/items {option} @payload.json")
    assert parsed.method == "POST" and parsed.body == ""
    assert ("Content-Type", FORM) in parsed.headers
    assert "paste the file's content into Body" in " ".join(parsed.notes)


def test_it_keeps_the_content_type_given_for_a_data_file() -> None:
    parsed = parse_curl(
        "curl https://api.example.com/items -H 'Content-Type: application/json' "
        "--data-binary @payload.json"
    )
    assert parsed.headers == [("Content-Type", "application/json")]


def test_it_puts_an_upload_and_appends_the_file_name_to_a_directory_url() -> None:
    parsed = parse_curl("curl -T './build/report final.txt' https://files.example.com/up/")
    assert (parsed.method, parsed.path) == ("PUT", "/up/report%20final.txt")
    assert parse_curl("curl -T a.txt https://files.example.com").path == "/a.txt"
    assert parse_curl("curl -T a.txt https://files.example.com/x/b.txt").path == "/x/b.txt"
    assert "paste the file's content into Body" in notes_of("curl -T a.txt https://f.example/")


def test_it_turns_range_into_a_range_header() -> None:
    parsed = parse_curl("curl --range 0-99 https://cdn.example.com/file.bin")
    assert parsed.headers == [("Range", "bytes=0-99")]
    assert "Range" not in notes_of("curl -r 0-99 https://cdn.example.com/file.bin")


def test_it_keeps_a_host_header_as_curl_sends_it() -> None:
    parsed = parse_curl("curl -H 'Host: api.internal' http://10.0.0.7/health")
    assert parsed.headers == [("Host", "api.internal")]
    assert "The Host header is kept" in " ".join(parsed.notes)


def test_it_takes_an_empty_username_as_curl_does() -> None:
    parsed = parse_curl("curl -u :s3cretpassword https://api.example.com/")
    assert parsed.auth is not None and parsed.auth.auth_config == "BASIC"
    assert parsed.auth.settings == {"username": ""}
    assert parsed.auth.secrets["password"].value == "s3cretpassword"


def test_it_lets_oauth2_bearer_win_over_user_as_curl_does() -> None:
    parsed = parse_curl("curl -u me:pw --oauth2-bearer tok123456789 https://api.example.com/")
    assert parsed.auth is not None
    assert parsed.auth.settings["header_auth_value_pattern"] == "Bearer %s"
    assert "--oauth2-bearer wins" in " ".join(parsed.notes)


@pytest.mark.parametrize(("option", "scheme"), [("--ntlm", "NTLM"), ("--negotiate", "Negot")])
def test_it_refuses_an_auth_scheme_it_would_otherwise_send_as_basic(option, scheme) -> None:
    with pytest.raises(CurlParseError) as refused:
        parse_curl(f"curl {option} -u admin:pw https://api.example.com/")
    assert f"logs in with {scheme}" in str(refused.value)
    assert "send the password in the clear" in str(refused.value)


@pytest.mark.parametrize(
    "command",
    [
        "curl --digest -u admin:pw https://camera.example.com/status",
        "curl --digest https://admin:pw@camera.example.com/status",  # the user in the URL
    ],
)
def test_it_imports_digest_as_digest_auth(command: str) -> None:
    parsed = parse_curl(command)
    assert parsed.auth is not None
    assert (parsed.auth.auth_config, parsed.auth.settings) == ("DIGEST", {"username": "admin"})


def test_it_imports_digest_without_a_user_as_no_auth() -> None:
    assert parse_curl("curl --digest https://camera.example.com/status").auth is None


def test_it_names_the_backtick_that_is_never_closed() -> None:
    with pytest.raises(CurlParseError) as refused:
        parse_curl("curl https://api.example.com/ -H `date")
    assert "the backtick at `` `date ``" not in str(refused.value)
    assert "backtick at `" in str(refused.value) and "quote" not in str(refused.value)


def test_it_skips_a_backtick_command_after_a_redirection() -> None:
    parsed = parse_curl("curl https://api.example.com/ -d x=1 < `ls body.txt`")
    assert (parsed.method, parsed.body) == ("POST", "x=1")


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("curl --range 0-9 https://a.example/f", None),
        ("curl -x http://proxy:3128 https://a.example/", "Test connects to the API directly"),
        ("curl --no-basic -u a:b https://a.example/", "still sent as Basic"),
        ("curl --http2 https://a.example/", "Test speaks HTTP/1.1"),
        ("curl -z 'Mon, 1 Jan 2024' https://a.example/", "If-Modified-Since"),
        ("curl -b cookies.txt https://a.example/", "reads cookies from a file"),
        ("curl --aws-sigv4 aws:amz:us-east-1:s3 https://a.example/", "cannot sign it"),
        ("curl --frobnicate https://a.example/", "the import does not read it"),
    ],
)
def test_it_never_says_an_option_changes_nothing_when_it_does(command: str, said) -> None:
    notes = notes_of(command)
    assert "change the request" not in notes
    if said:
        assert said in notes


def test_it_still_says_so_of_options_that_change_nothing() -> None:
    assert "Ignored -s, -S, -v: they do not change the request." in notes_of(
        "curl -sSv https://a.example/"
    )


@pytest.mark.parametrize("flag", ["-I", "-X HEAD", "-X OPTIONS"])
def test_it_keeps_head_and_options_out_and_says_why(bob, flag) -> None:
    response = client_for(bob).post(
        "/import-curl/", {"command": f"curl {flag} https://api.example.com/", "preview": "1"}
    )
    assert "Agent Studio&#x27;s actions use GET, POST, PUT, PATCH or DELETE" in (
        response.content.decode()
    )


def test_it_imports_an_empty_username_through_the_preview(bob) -> None:
    client = client_for(bob)
    data = {"command": "curl -u :s3cretpassword https://api.example.com/me", "preview": "1"}
    previewed = client.post("/import-curl/", data)
    assert previewed.context["plan"] is not None, previewed.context["form"].errors
    assert "s3cretpassword" not in previewed.content.decode()


def test_it_sends_a_range_of_one_start_as_an_open_range_as_curl_does() -> None:
    assert ("Range", "bytes=600-") in parse_curl("curl --range 600 https://x.test/f").headers
    assert ("Range", "bytes=0-99") in parse_curl("curl -r 0-99 https://x.test/f").headers
    assert ("Range", "bytes=-500") in parse_curl("curl -r -500 https://x.test/f").headers


def test_it_keeps_a_key_param_given_twice_as_two_query_params() -> None:
    parsed = parse_curl("curl 'https://api.example.com/v1/search?key=one&key=two'")
    assert parsed.auth is None
    assert parsed.query == [("key", "one"), ("key", "two")]


def test_it_says_url_query_from_standard_input_cannot_be_imported() -> None:
    parsed = parse_curl("curl --url-query @- --url-query page=2 https://api.example.com/items")
    assert parsed.query == [("page", "2")]
    assert "`--url-query @-` reads standard input, which an import cannot" in " ".join(parsed.notes)
    assert "reads a file" in notes_of("curl --url-query name@q.txt https://api.example.com/i")


def test_a_cookie_next_to_basic_auth_is_a_secret_connector_header() -> None:
    parsed = parse_curl(
        "curl -u ada:pw-0043 -H 'Cookie: session=s-0044' https://api.example.com/v1/me"
    )
    assert parsed.auth.auth_config == "BASIC"
    assert [key for key, _ in parsed.secret_headers] == ["Cookie"]
    assert parsed.secret_headers[0][1].value == "session=s-0044"
    assert all(key.lower() != "cookie" for key, _ in parsed.headers)
