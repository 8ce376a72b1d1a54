"""`fixed` writes what Django's floatformat writes, for every number a page shows so."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from connectors.templatetags.studio_tags import fixed

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, places=3, min_value=-(10**6), max_value=10**6),
    st.sampled_from([0.05, 0.25, 2.5, 12.45, -0.04, -0.0, 0.0, 1e15, 1e-7, 99.95]),
)


@given(number=NUMBERS, places=st.sampled_from([0, 1, 2]))
def test_it_writes_what_floatformat_writes(number: object, places: int) -> None:
    assert fixed(number, places) == floatformat(number, places)


@pytest.mark.parametrize("value", [None, "", "12.5", "not a number", True, "<b>"])
def test_anything_else_is_floatformats_answer(value: object) -> None:
    assert fixed(value, 1) == floatformat(value, 1)


def test_halves_round_up_as_written_not_as_stored() -> None:
    # 0.25 and 2.675 are stored a little under; floatformat rounds the decimal they print as.
    assert (fixed(0.25, 1), fixed(2.675, 2), fixed(Decimal("0.05"), 1)) == ("0.3", "2.68", "0.1")


def test_the_template_filter_is_the_same() -> None:
    page = Template('{% load studio_tags %}{{ ms|fixed:0 }} ms, {{ ms|fixed:"1" }} ms')
    assert page.render(Context({"ms": 12.45})) == "12 ms, 12.5 ms"
