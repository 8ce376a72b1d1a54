from __future__ import annotations

import pytest

from tests.helpers.api import ApiClient
from tests.helpers.factories import make_credential

pytestmark = pytest.mark.django_db

VALUE = "sk-live-0123456789abcdef"


def test_a_developer_sees_names_hosts_and_hints_never_a_value(bob) -> None:
    make_credential("PAYMENTS_KEY", VALUE, ["api.pay.example"])
    answer = ApiClient(bob).get("/credentials")
    assert answer.json()["items"] == [
        {
            "name": "PAYMENTS_KEY",
            "allowed_hosts": ["api.pay.example"],
            "hint": "••••cdef",
            "set_at": answer.json()["items"][0]["set_at"],
            "set_by": None,
        }
    ]
    assert VALUE not in answer.content.decode()


def test_a_viewer_sees_names_only_as_on_the_credentials_page(carol) -> None:
    make_credential("PAYMENTS_KEY", VALUE, ["api.pay.example"])
    [item] = ApiClient(carol).get("/credentials").json()["items"]
    assert item == {
        "name": "PAYMENTS_KEY",
        "allowed_hosts": None,
        "hint": None,
        "set_at": None,
        "set_by": None,
    }
