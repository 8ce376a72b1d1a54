"""The static files storage `make serve` uses answers as whitenoise's does, each URL worked out
once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from studio.static_storage import KEPT_URLS, StaticStorage

HASHED = {"css/studio.css": "css/studio.0123456789ab.css", "js/studio.js": "js/studio.ba98.js"}


@pytest.fixture
def collected(tmp_path: Path) -> Path:
    manifest = {"version": "1.1", "hash": "h", "paths": HASHED}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return tmp_path


def storages(location: Path) -> tuple[StaticStorage, CompressedManifestStaticFilesStorage]:
    return (
        StaticStorage(location=location, base_url="/static/"),
        CompressedManifestStaticFilesStorage(location=location, base_url="/static/"),
    )


def test_it_answers_what_whitenoises_storage_answers(collected: Path) -> None:
    ours, theirs = storages(collected)
    for name in [*HASHED, "css/studio.css"]:
        assert ours.url(name) == theirs.url(name)
    assert ours.url("css/studio.css") == "/static/css/studio.0123456789ab.css"
    assert ours.url("js/studio.js", force=True) == theirs.url("js/studio.js", force=True)


def test_a_url_once_worked_out_is_not_worked_out_again(collected: Path) -> None:
    ours, _ = storages(collected)
    first = ours.url("css/studio.css")
    ours.hashed_files = {}  # were the manifest read again, the name would now be missing
    assert ours.url("css/studio.css") == first
    with pytest.raises(ValueError, match="js/studio.js"):
        ours.url("js/studio.js")  # never asked before: worked out, and missing now


def test_a_missing_file_is_refused_every_time_and_nothing_is_kept(collected: Path) -> None:
    ours, _ = storages(collected)
    for _ in range(2):
        with pytest.raises(ValueError, match="missing.css"):
            ours.url("missing.css")
    assert ours.url("css/studio.css")
    assert list(ours._urls) == ["css/studio.css"]


def test_it_keeps_a_bounded_number_of_urls(collected: Path) -> None:
    ours, _ = storages(collected)
    ours.hashed_files = {f"img/{n}.png": f"img/{n}.f00d.png" for n in range(KEPT_URLS + 10)}
    for n in range(KEPT_URLS + 10):
        assert ours.url(f"img/{n}.png") == f"/static/img/{n}.f00d.png"
    assert len(ours._urls) == KEPT_URLS
