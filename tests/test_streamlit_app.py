"""AppTest of the app frame: navigation registers every page and each page runs bare."""

from __future__ import annotations

import pytest
from _apptest import app_on


@pytest.mark.parametrize("page", ["classify", "audio_features", "models", "dataset", "about"])
def test_every_page_runs_without_input(page, monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)
    at = app_on(page)
    assert not at.exception
    assert at.title and at.title[0].value
