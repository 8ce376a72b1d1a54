"""Descriptions as Markdown: rendered by markdown-it-py, sanitized by nh3, no raw HTML through."""

from __future__ import annotations

from connectors.lib import markdown


def test_it_renders_emphasis_lists_code_and_tables() -> None:
    html = markdown.render(
        "**Lists** the `models`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<strong>Lists</strong>" in html and "<code>models</code>" in html
    assert "<li>one</li>" in html and "<td>1</td>" in html


def test_it_gives_links_noopener_nofollow_and_drops_script_urls() -> None:
    html = markdown.render("[docs](https://example.com/docs) [bad](javascript:alert(1))")
    assert '<a href="https://example.com/docs" rel="noopener nofollow">docs</a>' in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert 'href="javascript' not in html


def test_it_lets_no_raw_html_through() -> None:
    html = markdown.render(
        '<script>alert(1)</script><img src=x onerror=alert(1)><b onclick="x">b</b>'
    )
    assert "<script" not in html and "<img" not in html and "<b " not in html
    assert "&lt;script&gt;" in html  # shown as the text it is


def test_blank_text_renders_nothing() -> None:
    assert markdown.render("  \n") == ""


def test_a_document_gets_heading_anchors_as_github_makes_them() -> None:
    html = markdown.render_document("## Trying an API on this machine\n\ntext")
    assert '<h2 id="trying-an-api-on-this-machine">' in html
