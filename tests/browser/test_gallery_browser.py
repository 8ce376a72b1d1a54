"""The gallery in a real browser: OpenAI from its template, the key typed once, Test, 200."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from connectors.models import Connector, Credential
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, htmx_swap, mark_page, page_was_not_reloaded
from tests.helpers.guide_stand_in import GuideStandIn, StaticAuth

pytestmark = browser_db
API_KEY = "sk-gallery-browser-0123456789abcdef"


def test_it_creates_openai_from_its_template_and_tests_it(
    page: Page, live_server, logged_in, alice, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    logged_in(page, alice)
    page.get_by_role("link", name="From a template", exact=True).click()
    expect(page.get_by_role("heading", name="New connector from a template")).to_be_visible()
    audit(page)
    mark_page(page)
    with htmx_swap(page):
        page.get_by_label("Search templates").fill("openai")
    assert page_was_not_reloaded(page)
    expect(page.locator(".template-card")).to_have_count(1)
    audit(page)
    page.get_by_role("link", name="API key (Header Auth, Bearer)").click()

    expect(page.get_by_label("Name", exact=True)).to_have_value("openai")
    expect(page.get_by_text("OpenAI API secret key")).to_be_visible()  # credentials needed
    expect(page.get_by_label("Create a team credential")).to_be_checked()
    expect(page.get_by_label("Api Key: new credential name")).to_have_value("OPENAI_API_KEY")
    audit(page)
    page.get_by_label("Api Key value").fill(API_KEY)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("OPENAI_API_KEY ••••cdef")).to_be_visible()
    assert API_KEY not in page.content()
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_text("Created openai from the OpenAI template.")).to_be_visible()
    credential = Credential.objects.get(name="OPENAI_API_KEY")
    assert credential.allowed_hosts == ["api.openai.com"]  # where the template sends it
    with GuideStandIn(static=StaticAuth("header", "Authorization", f"Bearer {API_KEY}")) as api:
        Connector.objects.filter(name="openai").update(base_url=api.url)  # the local OpenAI
        # ... and, as an Admin would on the Credentials page, the key may go there.
        credential.allowed_hosts = [api.url.removeprefix("http://")]
        credential.save()
        page.get_by_role("button", name="Test", exact=True).click()
        result = page.locator("[aria-live=polite]").filter(has_text="200")
        expect(result.first).to_contain_text("200 OK")
        assert api.api_requests[0].path == "/v1/models"
        audit(page)
