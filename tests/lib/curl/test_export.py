from __future__ import annotations

import subprocess

import pytest

from connectors.lib.curl.export import shell_quote, to_curl

# A fake curl that prints the words it received, NUL-separated, as the shell split them.
FAKE_CURL = 'curl() { printf "%s\\0" "$@"; }\n'
SHELLS = [["bash", "--norc", "-s"], ["sh", "-s"]]
HOSTILE = 'it\'s "quoted" `id` $(id) $HOME ${HOME} \\ ; & | * ? ! ~ # \n newline\ttab é'


def words(
    command: str, env: dict[str, str] | None = None, shell: list[str] = SHELLS[0]
) -> list[str]:
    script = FAKE_CURL + command + "\n"
    done = subprocess.run(
        shell, input=script.encode(), env=env or {}, capture_output=True, check=True, timeout=10
    )
    assert done.stderr == b""
    return done.stdout.decode().split("\0")[:-1]


def test_it_writes_a_get_without_a_method_flag():
    assert to_curl("GET", "https://api.openai.com/v1/models", [], None) == (
        "curl https://api.openai.com/v1/models"
    )


def test_it_puts_one_piece_per_line_with_continuations():
    command = to_curl(
        "post", "https://api.example.com/chat", [("Content-Type", "application/json")], '{"a": 1}'
    )
    assert command == (
        "curl -X POST https://api.example.com/chat \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  --data-raw '{\"a\": 1}'"
    )


def test_it_keeps_the_method_for_a_get_with_a_body():
    assert words(to_curl("GET", "https://x.test/", [], "q=1"))[:3] == [
        "-X",
        "GET",
        "https://x.test/",
    ]


def test_it_sends_an_empty_body_but_not_a_missing_one():
    assert words(to_curl("POST", "https://x.test/", [], ""))[-2:] == ["--data-raw", ""]
    assert words(to_curl("DELETE", "https://x.test/", [], None)) == [
        "-X",
        "DELETE",
        "https://x.test/",
    ]


def test_it_sends_an_empty_header_value_with_a_semicolon():
    assert words(to_curl("GET", "https://x.test/", [("X-Empty", "")], None))[-1] == "X-Empty;"


@pytest.mark.parametrize("shell", SHELLS)
def test_it_passes_hostile_text_through_the_shell_unchanged(shell: list[str]):
    url = f"https://x.test/a b?q={HOSTILE}"
    command = to_curl("PUT", url, [("X-Note", HOSTILE)], HOSTILE, placeholders=())
    assert words(command, {"HOME": "/root"}, shell) == [
        "-X",
        "PUT",
        "--globoff",  # the URL holds { }: curl would read it as a set of URLs
        url,
        "-H",
        f"X-Note: {HOSTILE}",
        "--data-raw",
        HOSTILE,
    ]


@pytest.mark.parametrize("shell", SHELLS)
def test_it_escapes_hostile_text_beside_a_placeholder(shell: list[str]):
    command = to_curl(
        "POST",
        "https://x.test/",
        [("X-Note", f"{HOSTILE}$TOKEN")],
        f"{HOSTILE}${{TOKEN}}!",
        placeholders={"TOKEN"},
    )
    assert words(command, {"HOME": "/root", "TOKEN": "t"}, shell)[-4:] == [
        "-H",
        f"X-Note: {HOSTILE}t",
        "--data-raw",
        f"{HOSTILE}t!",
    ]


@pytest.mark.parametrize("shell", SHELLS)
def test_it_leaves_placeholders_for_the_shell_to_expand(shell: list[str]):
    command = to_curl(
        "POST",
        "https://api.example.com/v1/${TENANT}/chat?key=$API_KEY",
        [("Authorization", "Bearer $OPENAI_API_KEY"), ("X-Plain", "$5 off")],
        '{"key": "${OPENAI_API_KEY}", "note": "costs $5, says `who`\\n"}',
    )
    env = {"OPENAI_API_KEY": "sk-123", "TENANT": "acme", "API_KEY": "k9"}
    assert words(command, env, shell) == [
        "-X",
        "POST",
        "https://api.example.com/v1/acme/chat?key=k9",
        "-H",
        "Authorization: Bearer sk-123",
        "-H",
        "X-Plain: $5 off",
        "--data-raw",
        '{"key": "sk-123", "note": "costs $5, says `who`\\n"}',
    ]


def test_it_double_quotes_only_words_with_placeholders():
    command = to_curl("GET", "https://x.test/", [("Authorization", "Bearer $TOKEN")], None)
    assert '-H "Authorization: Bearer $TOKEN"' in command
    assert "curl https://x.test/" in command


def test_it_keeps_other_dollar_words_literal_when_placeholders_are_named():
    url = "https://graph.microsoft.com/v1.0/users?$select=id&$top=5"
    command = to_curl(
        "GET", url, [("Authorization", "Bearer $GRAPH_TOKEN")], None, placeholders={"GRAPH_TOKEN"}
    )
    assert words(command, {"GRAPH_TOKEN": "t0k", "select": "oops", "top": "oops"}) == [
        url,
        "-H",
        "Authorization: Bearer t0k",
    ]


def test_it_survives_interactive_history_expansion():
    # Interactive bash expands `!word` inside double quotes; the command must still be exact.
    command = to_curl("POST", "https://x.test/", [], '{"msg": "Hi!there", "k": "$KEY"}')
    assert words("set -o history -H\n" + command, {"KEY": "v"}) == [
        "-X",
        "POST",
        "https://x.test/",
        "--data-raw",
        '{"msg": "Hi!there", "k": "v"}',
    ]


def test_it_quotes_a_single_word_like_shlex_when_it_has_no_placeholder():
    assert shell_quote("it's") == "'it'\"'\"'s'"
    assert shell_quote("plain") == "plain"
