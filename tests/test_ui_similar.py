"""AppTest runs of ui.similar: the "Sounds like" section and the chosen music on the Dataset
page's maps, for no input, a ten-minute song, an 8 kHz phone recording, bad input, silence,
a GTZAN clip, and a missing stored file.

The section runs in a one-function app (as pages/classify.py calls it); the map point runs
through the whole app's Dataset page. Needs the bundled models and ``assets/maps``.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from _apptest import TIMEOUT, figures, messages
from streamlit.testing.v1 import AppTest

from mgc_core import assets
from mgc_core.audio import Audio, load_audio
from mgc_core.audio.signals import make_signal
from mgc_core.explore import similar as sim
from ui.input_panel import Selection

pytestmark = pytest.mark.slow
GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"
needs_gtzan = pytest.mark.skipif(not (GTZAN / "genres").is_dir(),
                                 reason=f"GTZAN data not found at {GTZAN}")
TITLES = [spec["title"] for spec in sim.SPACES.values()]


def _section() -> None:
    """The app the section runs in: one call, as the Classify page makes it."""
    import streamlit as st

    from ui.similar import sounds_like

    sounds_like(st.session_state.get("audio"), clip_id=st.session_state.get("clip_id"))


def _run(audio: Audio | None, clip_id: str | None = None) -> AppTest:
    at = AppTest.from_function(_section, default_timeout=TIMEOUT)
    at.session_state["audio"], at.session_state["clip_id"] = audio, clip_id
    return at.run()


def _ten_minutes() -> Audio:
    return Audio(make_signal("drum_pattern", sr=22050, duration=600.0), sr=22050)


def _phone() -> Audio:
    """An 8 kHz WAV decoded as the input panel decodes uploads (22.05 kHz)."""
    buf = io.BytesIO()
    sf.write(buf, make_signal("drum_pattern", sr=8000, duration=10.0), 8000, format="WAV")
    return load_audio(buf.getvalue(), sr=22050)


def _tables(at: AppTest) -> dict[str, object]:
    """The neighbour tables by space (one per tab, in the tabs' order)."""
    assert len(at.dataframe) == len(sim.SPACES)
    return {f"similar_table_{s}": el.value for s, el in zip(sim.SPACES, at.dataframe,
                                                           strict=True)}


def _check_neighbours(at: AppTest) -> dict[str, object]:
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Sounds like"
    assert [t.label for t in at.tabs] == TITLES
    tables = _tables(at)
    assert set(tables) == {f"similar_table_{s}" for s in sim.SPACES}
    for table in tables.values():
        assert list(table.columns) == ["clip", "genre", "artist", "distance"]
        assert len(table) == sim.K
        assert list(table["distance"]) == sorted(table["distance"])
    return tables


@pytest.fixture(autouse=True)
def _no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


# --------------------------------------------------------------------------- the section


def test_no_input_says_how_to_choose_music():
    at = _run(None)
    assert not at.exception
    assert any("Choose some music" in m for m in messages(at, "info"))
    assert not at.dataframe


def test_a_ten_minute_song():
    at = _run(_ten_minutes())
    _check_neighbours(at)
    captions = " ".join(c.value for c in at.caption)
    assert "10 minutes are averaged" in captions
    assert "Set up the GTZAN dataset" in captions  # no players without the dataset
    assert any(" of 5** are *" in m.value for m in at.markdown)


def test_a_classified_song_is_compared_without_running_the_networks_again(monkeypatch):
    from mgc_core.models.transfer import TransferModel
    from ui.results import run_classify

    audio = Audio(make_signal("drum_pattern", sr=22050, duration=9.0), sr=22050)
    result = run_classify(audio.key, audio)  # as the Classify page does first
    assert set(result.inputs) == {"knn", "transfer"}
    with monkeypatch.context() as m:
        m.setattr(TransferModel, "inputs", lambda self, front: pytest.fail("ran again"))
        _check_neighbours(_run(audio))
    fresh, kept = sim.pool_song(sim.song_inputs(audio)), sim.pool_song(result.inputs)
    for space in sim.SPACES:  # the same numbers as running the networks again
        np.testing.assert_allclose(kept[space], fresh[space], rtol=1e-5, atol=1e-6)


def test_an_8khz_phone_recording_is_flagged():
    at = _run(_phone())
    _check_neighbours(at)
    assert any("recorded at 8 kHz" in c.value for c in at.caption)


@pytest.mark.parametrize(("samples", "match"), [
    (np.zeros(0, np.float32), "empty"),
    (np.full(22050, np.nan, np.float32), "NaN"),
])
def test_bad_audio_is_an_error_not_a_crash(samples, match):
    at = _run(Audio(samples, sr=22050))
    assert not at.exception, at.exception
    errors = messages(at, "error")
    assert len(errors) == 1 and match in errors[0]
    assert not at.dataframe


def test_silence_is_far_from_everything():
    at = _run(Audio(np.zeros(22050 * 4, np.float32), sr=22050))
    _check_neighbours(at)
    assert any("Nothing in GTZAN is really near" in c.value for c in at.caption)


def test_missing_clip_file_is_an_error(tmp_path, monkeypatch):
    copy = Path(shutil.copytree(assets.ASSETS_DIR, tmp_path / "assets"))
    (copy / sim.CLIPS_FILE).unlink()
    monkeypatch.setattr(assets, "ASSETS_DIR", copy)
    at = _run(_phone())
    errors = messages(at, "error")
    assert len(errors) == 1 and "gtzan_clips.npz is missing" in errors[0]


@needs_gtzan
def test_a_gtzan_clip_is_its_own_nearest_and_its_neighbours_play(monkeypatch):
    monkeypatch.setenv("MGC_GTZAN_DIR", str(GTZAN))
    store = sim.read_clip_store()
    clip = next(c for c in store.ids if c.startswith("disco"))  # a clip held only at 16 kHz
    audio = load_audio((GTZAN / "genres" / "disco" / f"{clip}.ogg").read_bytes(), sr=22050)
    at = _run(audio, clip_id=clip)
    for table in _check_neighbours(at).values():
        assert table["clip"][0] == clip and table["distance"][0] == 0.0
    assert any(f"GTZAN clip {clip} itself" in c.value for c in at.caption)
    assert not at.get("audio")
    player = at.selectbox(key="similar_play_musicnn")
    player.set_value(_tables(at)["similar_table_musicnn"]["clip"][1]).run()
    assert not at.exception, at.exception
    assert len(at.get("audio")) == 1


# --------------------------------------------------------------------------- the Dataset page


def _dataset_page(audio: Audio, gtzan_id: str | None = None) -> AppTest:
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "streamlit_app.py"),
                           default_timeout=TIMEOUT)
    at.session_state["selection"] = Selection(audio, "my song.wav", "upload", b"", "audio/wav",
                                              gtzan_id)
    at.run()
    at.switch_page("pages/dataset.py")
    return at.run()


def _music_point(at: AppTest, source: str) -> tuple[float, float] | None:
    traces = [t for t in figures(at)[f"fig_map_{source}"]["data"] if t["name"] == "your music"]
    assert len(traces) <= 1
    return (float(traces[0]["x"][0]), float(traces[0]["y"][0])) if traces else None


@pytest.mark.parametrize("audio", [_phone, _ten_minutes], ids=["8khz", "ten_minutes"])
def test_the_chosen_music_is_drawn_on_both_maps(audio):
    song = audio()
    at = _dataset_page(song)
    assert not at.exception, at.exception
    expected = sim.place_on_maps(sim.read_clip_store(),
                                 sim.song_vectors(song) if audio is _phone else
                                 _cached_vectors(song))
    for method in ("pca", "tsne"):
        if method == "tsne":
            at.radio(key="dataset_map_method").set_value("tsne").run()
        for source in sim.MAP_SPACES:
            np.testing.assert_allclose(_music_point(at, source), expected[f"{source}_{method}"],
                                       atol=1e-3)
        note = [c.value for c in at.caption if "black cross" in c.value]
        assert len(note) == 1 and "my song.wav" in note[0]
        assert ("approximation" in note[0]) == (method == "tsne")


def _cached_vectors(audio: Audio) -> dict[str, np.ndarray]:
    """The app's own cached vectors (the ten-minute song is not analysed twice)."""
    from ui.similar import music_vectors

    return music_vectors(audio)


def test_bad_chosen_music_is_a_warning_and_the_maps_stay():
    at = _dataset_page(Audio(np.full(22050, np.nan, np.float32), sr=22050))
    assert not at.exception, at.exception
    assert any("cannot be drawn on the maps" in w for w in messages(at, "warning"))
    assert _music_point(at, "features") is None and _music_point(at, "embeddings") is None
    assert len(figures(at)["fig_map_features"]["data"]) >= 10 - 1  # the genres are drawn


@needs_gtzan
def test_a_gtzan_clip_lands_on_its_own_dot():
    store = sim.read_clip_store()
    clip = store.ids[3]
    genre = clip.split(".")[0]
    audio = load_audio((GTZAN / "genres" / genre / f"{clip}.ogg").read_bytes(), sr=22050)
    at = _dataset_page(audio, gtzan_id=clip)
    assert not at.exception, at.exception
    for source in sim.MAP_SPACES:
        np.testing.assert_allclose(_music_point(at, source),
                                   store.coordinates[f"{source}_pca"][3], atol=0.05)
