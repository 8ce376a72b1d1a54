"""Template filters the catalog's pages share."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.core.paginator import Page
from django.utils import timezone
from django.utils.timesince import timesince

from connectors import outcomes

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON (not Python's repr), so a schema shown in a form can be saved back."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now" for the last minute, else Django's "3 hours ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.simple_tag
def page_numbers(page: Page) -> list[int | None]:
    """The first page, the current one's neighbours and the last; None marks a gap."""
    last = page.paginator.num_pages
    wanted = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@register.filter
def outcome_title(error_kind: str) -> str:
    return outcomes.title(error_kind)


@register.filter
def was_sent(error_kind: str) -> bool:
    return outcomes.was_sent(error_kind)
