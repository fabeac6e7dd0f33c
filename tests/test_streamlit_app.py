"""AppTest of the app frame: navigation registers every page and each page runs bare."""

from __future__ import annotations

import pytest
from _apptest import app_on


@pytest.mark.parametrize("page", ["classify", "audio_features", "models", "dataset", "lab", "about"])
def test_every_page_runs_without_input(page, monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)
    at = app_on(page)
    assert not at.exception
    assert at.title and at.title[0].value
    # Nothing in the sidebar: on a phone it is a drawer over the page, so settings there
    # hide the plots they change (the navigation is in the header: position="top").
    assert not at.sidebar.children, page
