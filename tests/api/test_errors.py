from __future__ import annotations

import pytest

from connectors.api import connectors as api_connectors
from tests.helpers.api import ApiClient

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_a_json_404(carol) -> None:
    for path in ("/nothing-here", "/runs/abc", "/connectors/a/b/c"):
        answer = ApiClient(carol).get(path)
        assert answer.status_code == 404
        assert answer["Content-Type"].startswith("application/json")
        assert "/api/v1/docs" in answer.json()["detail"]


def test_a_wrong_method_is_a_json_405_naming_the_allowed_one(carol) -> None:
    answer = ApiClient(carol).send("DELETE", "/connectors")
    assert answer.status_code == 405
    assert answer["Allow"] == "GET"
    assert answer.json()["detail"] == "This path does not take DELETE: use GET."


def test_malformed_json_is_a_json_error(bob) -> None:
    answer = ApiClient(bob).post("/connectors/a/actions/b/test", raw="{nope")
    assert answer.status_code in (400, 422)
    assert answer.json()["detail"]


def test_bad_query_parameters_name_the_field(carol) -> None:
    answer = ApiClient(carol).get("/connectors", page="zero")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "page"
    assert ApiClient(carol).get("/runs/99999999999999999999999").status_code == 422
    typo = ApiClient(carol).get("/connectors", pgae="2")
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "pgae"
    assert ApiClient(carol).get("/credentials", page="2").status_code == 422


def test_a_nul_character_is_a_json_error_not_a_database_error(carol) -> None:
    assert ApiClient(carol).get("/connectors", q="a\x00b").status_code == 400
    assert ApiClient(carol).get("/connectors/a%00b").status_code == 404


def test_a_server_error_is_json_without_a_traceback(carol, monkeypatch, settings) -> None:
    def broken(query: str) -> None:
        raise RuntimeError("the catalog broke: sk-secret")

    monkeypatch.setattr(api_connectors.queries, "search_connectors", broken)
    for debug in (False, True):
        settings.DEBUG = debug
        answer = ApiClient(carol).get("/connectors")
        assert answer.status_code == 500
        body = answer.json()
        assert body["detail"].startswith("The server failed to answer")
        assert "sk-secret" not in answer.content.decode()
        assert "Traceback" not in answer.content.decode()
