"""The response as it came, in a real browser: an image inline under the strict CSP, a binary's
download, XML as JSON with the raw XML one click away, and the redirect hops."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, press_test
from tests.browser.test_csp import watch_csp
from tests.engine.test_response_fidelity import png
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Received, Reply, Upstream

pytestmark = browser_db


def answer(got: Received) -> Reply:
    if got.path == "/image.png":
        return Reply(headers={"Content-Type": "image/png"}, body=png(3, 2))
    if got.path == "/start":
        return Reply(302, {"Location": "/users.xml", "Set-Cookie": "sid=abcdefghijklmnop"}, b"")
    return Reply(
        headers={"Content-Type": "application/xml"},
        body=b'<users><user id="7"><name>Lea</name></user></users>',
    )


def test_it_shows_a_png_inline_and_offers_its_download(
    page: Page, live_server, logged_in, bob, upstream: Upstream, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    upstream.handler = answer
    action = make_action(make_connector("Img", base_url=upstream.url), path="/image.png")
    violations = watch_csp(page)
    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    press_test(page, action)

    result = page.locator("[aria-live=polite]")
    image = result.get_by_role("img", name="The response body: a image/png image")
    expect(image).to_be_visible()
    decoded = "img => img.complete && img.naturalWidth === 3"  # loaded and decoded, not broken
    page.wait_for_function(decoded, arg=image.element_handle())
    with page.expect_download() as download:
        result.get_by_role("link", name="Download the body").click()
    assert download.value.suggested_filename.endswith(".png")
    assert Path(download.value.path()).read_bytes() == png(3, 2)
    assert violations == []
    audit(page)


def test_it_shows_xml_as_json_and_the_hops_that_led_to_it(
    page: Page, live_server, logged_in, bob, upstream: Upstream, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    upstream.handler = answer
    action = make_action(make_connector("Xml", base_url=upstream.url), path="/start")
    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    press_test(page, action)

    result = page.locator("[aria-live=polite]")
    expect(result).to_contain_text('"@id": "7"')
    expect(result).to_contain_text("Redirects (1)")
    expect(result).to_contain_text("Location: /users.xml")
    expect(result).to_contain_text("Set-Cookie: sid=••••mnop")
    expect(result).to_contain_text(f"Final URL: {upstream.url}/users.xml")
    raw = result.locator("details.raw-xml pre")
    expect(raw).to_contain_text('<user id="7">')
    expect(raw).to_be_hidden()
    result.get_by_text("Raw XML").click()
    expect(raw).to_be_visible()
    audit(page)
