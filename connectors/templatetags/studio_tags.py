"""Template filters the catalog's pages share."""

from __future__ import annotations

import functools
import itertools
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html import escape as html_escape
from typing import Any

from django import template
from django.conf import settings
from django.core.paginator import Page
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language

import connectors.lib.markdown
from connectors import kinds
from connectors.engine import outcomes
from connectors.models import Connector
from connectors.secrets import credential_refs, references

register = template.Library()


@register.filter
def auth_summary(connector: Connector) -> list[kinds.SummaryItem]:
    """The connector's Auth Config summed up from its kind's description (connectors.kinds)."""
    return kinds.summary(connector.auth_config, connector.auth_settings, connector.auth_secrets)


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON (not Python's repr), so a schema shown in a form can be saved back."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.simple_tag
def password_reset_enabled() -> bool:
    """True when the site can send email, so the reset pages exist (PASSWORD_RESET_ENABLED)."""
    return settings.PASSWORD_RESET_ENABLED


@register.filter
def cool_off(value: timedelta) -> str:
    """A lockout's length as a sentence says it: 15 minutes, 1 hour 30 minutes."""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    parts += [f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []
    return " ".join(parts)


@register.simple_tag
def link(name: str) -> str:
    """`{% url name %}` for a URL without arguments, reversed once per process (it is the same
    for every request that has the same script prefix): every page's top bar has ten."""
    return _link(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _link(name: str, prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)


# Numbers this large, or written with this many decimals, floatformat treats specially (a wider
# decimal context, or the number as it was given): fixed() leaves them to it.
FIXED_LIMIT = Decimal(10) ** 15
FIXED_DECIMALS = 30


@register.filter(is_safe=True)
def fixed(number: object, places: int | str) -> str:
    """`{{ ms|fixed:1 }}`: what floatformat:places writes (en-us, whose numbers are not
    grouped): the decimal the number prints as, rounded half up, without floatformat's locale
    lookups (a fifth of the cost of a Test's timing rows). Anything but a plain number goes to
    floatformat itself."""
    places = int(places)  # a template may write it quoted
    try:
        exact = Decimal(repr(number) if type(number) is float else number)
    except (InvalidOperation, TypeError, ValueError):
        return floatformat(number, places)
    if (
        not exact.is_finite()
        or abs(exact) >= FIXED_LIMIT
        or exact.as_tuple().exponent < -FIXED_DECIMALS
    ):
        return floatformat(number, places)
    if places == 0 and exact == exact.to_integral_value():
        return "%d" % exact  # noqa: UP031 - as floatformat writes a whole number
    rounded = exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{abs(rounded) if rounded.is_zero() else rounded:f}"  # never "-0.0"


@register.filter
def auth_config_label(value: str) -> str:
    """An Auth Config's label as the connector form shows it: API_KEY -> Api Key Auth."""
    return str(dict(Connector.AuthConfig.choices).get(value, value))


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now" for the last minute, else Django's "3 hours ago". While a page is rendered
    to be kept (`deferring_ago`), a mark instead: the time is said when the page is served."""
    if moment is None:
        return ""
    deferred = _deferred.get()
    if deferred is not None:
        deferred.append(moment)
        return mark_safe(AGO_MARK)  # noqa: S308 - a constant of ours, no user text
    return ago_text(moment, timezone.now())


ONE_MINUTE = timedelta(minutes=1)
FOUR_WEEKS = timedelta(days=28)


def ago_text(moment: datetime, now: datetime, language: str | None = None) -> str:
    delta = now - moment
    if delta < ONE_MINUTE:
        return "just now"
    if moment.tzinfo is UTC and delta < FOUR_WEEKS:
        return _minutes_ago(int(delta.total_seconds() // 60), language or get_language())
    return f"{timesince(moment, now)} ago"


@functools.lru_cache(maxsize=4096)
def _minutes_ago(minutes: int, language: str) -> str:
    """What timesince says of this many minutes. Under 28 days no month or year is crossed,
    so it depends on the minutes alone (and the language), not on the dates: said once."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    return f"{timesince(start, start + timedelta(minutes=minutes))} ago"


# A mark no page can hold (random, and NUL, which no stored text holds).
AGO_MARK = f"\x00ago-{secrets.token_hex(8)}\x00"
_deferred: ContextVar[list[datetime] | None] = ContextVar("studio_deferred_ago", default=None)


@contextmanager
def deferring_ago() -> Iterator[list[datetime]]:
    """Render with AGO_MARK for each `ago`; the list gets their times, in the page's order."""
    moments: list[datetime] = []
    token = _deferred.set(moments)
    try:
        yield moments
    finally:
        _deferred.reset(token)


# A page says few distinct times ("3 minutes ago"), each escaped once.
_escaped = functools.lru_cache(maxsize=4096)(html_escape)


def fill_ago(html: str, moments: list[datetime], now: datetime) -> str:
    """A page rendered under `deferring_ago`, each mark replaced by its time as said `now`."""
    pieces = html.split(AGO_MARK)
    language = get_language()
    said = [_escaped(ago_text(moment, now, language)) for moment in moments]
    return "".join(itertools.chain.from_iterable(itertools.zip_longest(pieces, said, fillvalue="")))


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


@register.filter
def is_env_credential(name: str) -> bool:
    """A name reserved by STUDIO_ENV_CREDENTIALS: set on the server, never created here."""
    return references.is_env_credential(name)


@register.filter
def reference_kind(hint: str) -> str:
    """What a stored {{NAME}} refers to now: a page never claims a credential that is not there."""
    return credential_refs.reference_kind(hint)


@register.filter
def markdown(text: str) -> SafeString:
    """A description's Markdown as HTML, sanitized by nh3 (connectors.lib.markdown)."""
    return mark_safe(connectors.lib.markdown.render(text or ""))  # noqa: S308 sanitized just above


@register.filter
def auth_setting_label(name: str) -> str:
    """An Auth Config setting by Agent Studio's label: api_key_auth_type -> Api Key Auth Auth
    Type (connectors.kinds)."""
    return kinds.label(name) or name.replace("_", " ").capitalize()


@register.filter
def auth_setting_value(value: object, name: str) -> object:
    """A chosen setting by its choice's label (HEADER -> Header Auth); other values as they are."""
    if isinstance(value, str) and (shown := kinds.choice_label(name, value)) is not None:
        return shown
    return value
