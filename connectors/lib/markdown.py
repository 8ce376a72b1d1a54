"""A description's Markdown as safe HTML: markdown-it-py renders, nh3 keeps only what is listed.

Raw HTML in the text is never passed on: markdown-it-py runs with `html` off (it shows such
text escaped), and nh3 then drops any tag or attribute not listed below, and any link that is not
http, https or mailto. Links get rel="noopener nofollow" and open where they are.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
TAGS = {
    "p", "br", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render(text: str) -> str:
    """Sanitized HTML for the text (links rel="noopener nofollow"); "" for blank text."""
    if not text.strip():
        return ""
    html = _RENDERER.render(text)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def slug(title: str) -> str:
    """A heading's anchor as GitHub makes it: "Trying an API on this machine" ->
    "trying-an-api-on-this-machine"."""
    kept = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return kept.replace(" ", "-")


def render_document(text: str) -> str:
    """A whole document (README.md) as sanitized HTML, each heading with its slug as id."""
    tokens = _RENDERER.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", slug(tokens[index + 1].content))
    html = _RENDERER.renderer.render(tokens, _RENDERER.options, {})
    headings = {f"h{n}": {"id"} for n in range(1, 7)}
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES | headings,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
