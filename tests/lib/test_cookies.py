"""Set-Cookie lines read for the cookies table."""

from __future__ import annotations

from connectors.lib import cookies


def test_it_reads_a_set_cookie_with_its_attributes() -> None:
    line = 'sid="abc=123"; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT; HttpOnly; secure'
    cookie = cookies.parse_set_cookie(line + "; SameSite=Lax")
    assert cookie is not None
    assert (cookie.name, cookie.value) == ("sid", "abc=123")
    assert cookie.attributes == {
        "Path": "/",
        "Expires": "Wed, 09 Jun 2027 10:18:14 GMT",
        "SameSite": "Lax",
        "Secure": "",
        "HttpOnly": "",
    }


def test_it_skips_a_line_that_names_no_cookie() -> None:
    assert cookies.parse_set_cookie("novalue") is None
    assert cookies.parse_set_cookie("=x") is None


def test_it_takes_only_set_cookie_headers_in_order() -> None:
    headers = [["Set-Cookie", "a=1"], ["Content-Type", "x"], ["set-cookie", "b=2; Path=/"]]
    assert [c.name for c in cookies.from_headers(headers)] == ["a", "b"]
