from __future__ import annotations

import pytest

from connectors.secrets import tokens

pytestmark = pytest.mark.django_db


def test_it_issues_high_entropy_tokens_found_by_their_digest(carol) -> None:
    record, token = tokens.issue(carol, "ci", 30)
    assert token.startswith(tokens.PREFIX) and len(token) >= 40
    assert tokens.find(token) == record
    assert tokens.find(token + "x") is None
    assert tokens.find(token.removeprefix(tokens.PREFIX)) is None
    assert tokens.issue(carol, "ci", 30)[1] != token


def test_it_shows_each_user_their_own_and_an_admin_everyones(alice, carol) -> None:
    mine, _ = tokens.issue(carol, "mine", 30)
    theirs, _ = tokens.issue(alice, "theirs", 30)
    assert list(tokens.visible_to(carol, everyone=False)) == [mine]
    assert set(tokens.visible_to(alice, everyone=True)) == {mine, theirs}
