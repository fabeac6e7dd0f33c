"""AppTest runs of the Dataset page, through the whole app: no dataset (help and the
bundled maps), and GTZAN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _apptest import app_on, figures, messages
from streamlit.testing.v1 import AppTest

from mgc_core.datasets import usable_ids
from mgc_core.explore import maps as datamap
from mgc_core.genres import GENRES

PAGE = "dataset"
GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"
needs_gtzan = pytest.mark.skipif(not (GTZAN / "genres").is_dir(),
                                 reason=f"GTZAN data not found at {GTZAN}")


def _open() -> AppTest:
    return app_on(PAGE)


def _map_points(fig: dict) -> int:
    return sum(len(t["x"]) for t in fig["data"] if t.get("name") != "selected")


@pytest.fixture()
def no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


@pytest.fixture()
def gtzan(monkeypatch):
    from mgc_core.datasets import GTZAN as Dataset

    monkeypatch.setenv("MGC_GTZAN_DIR", str(GTZAN))
    return Dataset(GTZAN)


def test_without_dataset_explains_setup_and_still_shows_the_maps(no_dataset):
    at = _open()
    assert not at.exception, at.exception
    assert at.title[0].value == "Dataset: GTZAN explorer"
    info = " ".join(messages(at, "info"))
    assert "MGC_GTZAN_DIR" in info and "make run" in info and "genres_original" in info
    figs = figures(at)
    assert "fig_genre_counts" not in figs
    n_clips = len(datamap.read_map()["clips"])
    for source in ("features", "embeddings"):
        fig = figs[f"fig_map_{source}"]
        assert _map_points(fig) == n_clips
        assert [t["name"] for t in fig["data"]] == list(GENRES)
        assert "PC 1" in fig["layout"]["xaxis"]["title"]["text"]
    at.radio(key="dataset_map_method").set_value("tsne").run()
    assert not at.exception
    fig = figures(at)["fig_map_embeddings"]
    assert _map_points(fig) == n_clips and fig["layout"]["xaxis"]["title"]["text"] == "t-SNE 1"
    assert not at.dataframe  # nothing to browse


@needs_gtzan
def test_with_gtzan_counts_table_faults_and_playback(gtzan):
    at = _open()
    assert not at.exception, at.exception
    counts = gtzan.genre_counts()
    bars = figures(at)["fig_genre_counts"]["data"][0]
    assert list(bars["x"]) == list(GENRES)
    assert [int(v) for v in bars["y"]] == [counts[g] for g in GENRES]
    assert any("imbalanced" in m.value for m in at.markdown)

    # held and usable, named alike here and on About; the copy's folder by name, not path
    usable = dict.fromkeys(GENRES, 0)
    for t in usable_ids(gtzan):
        usable[t.split(".")[0]] += 1
    heading = at.subheader[0].value
    assert heading == (f"{sum(counts.values())} clips held, {sum(usable.values())} usable "
                       "(after removing known faults)")
    shown = " ".join(el.value for kind in ("subheader", "markdown", "caption")
                     for el in getattr(at, kind))
    assert str(gtzan.root) not in shown and str(gtzan.root.parent) not in shown
    assert f"GTZAN folder “{gtzan.root.name}”" in shown
    table = at.dataframe[0].value
    assert list(table.columns) == ["genre", "held", "left out as faulty",
                                   "usable (after removing known faults)"]
    assert list(table["held"]) == [counts[g] for g in GENRES]
    assert list(table["usable (after removing known faults)"]) == [usable[g] for g in GENRES]
    least = min(n for n in counts.values() if n)
    smallest = [g for g in GENRES if counts[g] == least]
    if len(smallest) == 1:
        assert (f"{smallest[0]} only {least}, of which {usable[smallest[0]]} usable (after "
                "removing known faults)") in shown

    faults, excluded = gtzan.faults(), gtzan.excluded_ids()
    faulty = next(t for t in faults if t in gtzan.tracks)
    genre = faulty.split(".")[0]
    at.selectbox(key="dataset_genre").set_value(genre).run()
    assert not at.exception, at.exception
    table = at.dataframe[1].value
    assert list(table["clip"]) == gtzan.track_ids(genre)
    row = table.index[table["clip"] == faulty][0]
    assert table.loc[row, "known fault"] == faults[faulty]
    assert bool(table.loc[row, "usable"]) == (faulty not in excluded)
    artist, title = gtzan.artist_index().get(faulty, (None, None))
    assert (table.loc[row, "artist"], table.loc[row, "title"]) == (artist or "", title or "")

    at.session_state[f"dataset_clips_{genre}"] = {"selection": {"rows": [int(row)],
                                                                "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("audio")) == 1
    assert any(faults[faulty] in w for w in messages(at, "warning"))
    assert {b.label for b in at.button} >= {"Open on Classify", "Open on Audio features"}
    star = [t for t in figures(at)["fig_map_features"]["data"] if t["name"] == "selected"]
    on_map = faulty in {c["id"] for c in datamap.read_map()["clips"]}
    assert on_map or faulty in excluded or len(datamap.read_map()["clips"]) < len(gtzan.tracks)
    if not on_map:  # left out as faulty, or newer than the stored map: no star
        assert not star
    else:
        assert list(np.asarray(star[0]["customdata"])[0][:1]) == [faulty]


@needs_gtzan
def test_open_on_audio_features_selects_the_clip(gtzan):
    at = _open()
    clip = gtzan.track_ids("jazz")[0]
    at.selectbox(key="dataset_genre").set_value("jazz").run()
    at.session_state["dataset_clips_jazz"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    at.button(key="dataset_open_features").click().run()
    assert not at.exception, at.exception
    assert at.session_state["selection"].gtzan_id == clip
    assert at.title[0].value == "Audio features"
