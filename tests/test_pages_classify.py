"""AppTest runs of the Classify page: no input, a built-in signal, an upload, bad input, GTZAN.

Music (the "drum_pattern" built-in, which AudioSet hears as music) gets a "Verdict" heading;
a sound that is not music (white noise, a bare sine tone) gets the gate's statement instead,
with the genre guesses still shown below it.

Needs the bundled models (``assets/models``); skips with the command that builds them
when they are absent.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from _apptest import app_on, figures, messages

from mgc_core import assets
from mgc_core.analysis.classify import model_path
from mgc_core.analysis.content import KINDS
from mgc_core.audio.signals import make_signal
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES, MODEL_TITLES
from mgc_core.models.efficientat_lite import ATTRIBUTION, read_class_labels
from mgc_core.models.registry import short_label

pytestmark = pytest.mark.slow
PAGE = "classify"
GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"

if not all(model_path(m).is_file() for m in MODEL_NAMES):
    pytest.skip("bundled models missing: run `python -m mgc_core train --gtzan DIR`",
                allow_module_level=True)


@pytest.fixture(autouse=True)
def _no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


def _wav(seconds: float, sr: int = 8000) -> bytes:
    """A sine tone with a little noise: not music to AudioSet."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV")
    return buf.getvalue()


def _drums_wav(seconds: float, sr: int = 8000) -> bytes:
    """The built-in drum pattern as a WAV file: music to AudioSet."""
    buf = io.BytesIO()
    sf.write(buf, make_signal("drum_pattern", sr=sr, duration=seconds), sr, format="WAV")
    return buf.getvalue()


def _check_models(at) -> None:
    """Every model of the registry has its column, bars and timeline."""
    assert len(MODEL_NAMES) == 5 and "audioset" in MODEL_NAMES
    figs = figures(at)
    for name in MODEL_NAMES:
        bars = figs[f"fig_bars_{name}"]["data"][0]
        assert np.isclose(np.sum(bars["x"]), 1.0, atol=1e-3)
        assert list(bars["y"]) == ["blues", "classical", "country", "disco", "hiphop", "jazz",
                                   "metal", "pop", "reggae", "rock"]
        assert f"fig_timeline_{name}" in figs
    labels = [m.label for m in at.metric]
    for name in MODEL_NAMES:  # one column per model, titled from the registry
        assert sum(label.startswith(f"**{short_label(name)}**") for label in labels) == 1
    assert "**AudioSet** (never saw GTZAN)" in labels
    assert MODEL_TITLES["audioset"] == "AudioSet (never saw GTZAN)"
    assert any("Learned nothing from GTZAN" in c.value for c in at.caption)
    segment_lines = [m.value for m in at.markdown if m.value.startswith("*") and "%" in m.value
                     and not m.value.startswith("**")]
    assert [line.split("*")[1] for line in segment_lines] == [short_label(n) for n in MODEL_NAMES]
    assert len(at.get("download_button")) == 2


def _check_audioset_view(at) -> str:
    """The "AudioSet hears" block: music probability, AudioSet's own genres, attribution."""
    heard = [m.value for m in at.markdown if m.value.startswith("**AudioSet hears**")]
    assert len(heard) == 1 and "music " in heard[0]
    own = [m.value for m in at.markdown if m.value.startswith("Its own music genres:")]
    assert len(own) == 1
    captions = [c.value for c in at.caption]
    assert any("two million" in c and "527" in c for c in captions)
    assert ATTRIBUTION in captions
    return own[0]


def _names_an_audioset_genre(line: str) -> bool:
    labels = read_class_labels(
        (assets.ASSETS_DIR / "models" / "efficientat_mn04_labels.csv").read_bytes())
    return any(f"{labels[i]} " in line for i in range(216, 266))


def _check_full_result(at) -> None:
    assert not at.exception, at.exception
    _check_models(at)
    assert any(h.value.startswith("Verdict:") for h in at.subheader)
    assert not [w for w in messages(at, "warning") if "not music" in w or "silent" in w]
    assert any(c.value.startswith("**Who decided**") for c in at.caption)
    assert _names_an_audioset_genre(_check_audioset_view(at))
    stored = assets.ASSETS_DIR / "evaluation" / "transfer.json"
    if stored.is_file():  # each column quotes its model's stored balanced accuracy
        value = json.loads(stored.read_text())["balanced_accuracy"]["value"]
        assert any(f"balanced accuracy {value:.0%}" in c.value for c in at.caption)


def test_no_input():
    at = app_on(PAGE)
    assert not at.exception
    assert any("Choose some music" in m for m in messages(at, "info"))


def test_built_in_music_gets_a_verdict_from_every_model_and_a_timeline():
    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.button(key="input_signal_go").click()
    at.run()
    _check_full_result(at)
    heading = [h.value for h in at.subheader].index
    assert heading("Genre over time") > heading(next(h.value for h in at.subheader
                                                     if h.value.startswith("Verdict:")))


@pytest.mark.parametrize("signal", ["white_noise", "sine"])
def test_a_sound_that_is_not_music_gets_the_statement_not_a_verdict(signal):
    at = app_on(PAGE)
    _signal(at, signal)
    assert not at.exception, at.exception
    assert not any(h.value.startswith("Verdict") for h in at.subheader)
    statements = [w for w in messages(at, "warning") if "genre guesses below mean" in w]
    assert len(statements) == 1 and "AudioSet hears mostly" in statements[0]
    _check_models(at)  # the guesses are still there, folded away below the statement
    assert any(e.label.startswith("Each model's guess") for e in at.expander)
    assert any("no verdict" in c.value for c in at.caption)
    _check_audioset_view(at)


def test_phone_recording_8khz_upload():
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("phone.wav", _drums_wav(10.0), "audio/wav"))
    at.run()
    _check_full_result(at)
    n_segments = np.asarray(figures(at)["fig_timeline_cnn"]["data"][0]["z"]).shape[1]
    assert n_segments == 3  # 10 s -> three 2.99-s segments


def test_bad_upload_keeps_the_page_usable():
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("notes.mp3", b"hello, not audio" * 10,
                                                    "audio/mpeg"))
    at.run()
    assert not at.exception
    assert messages(at, "error") and "notes.mp3" in messages(at, "error")[0]


@pytest.mark.gtzan
@pytest.mark.skipif(not GTZAN.is_dir(), reason="GTZAN not found at ../shared/data/gtzan")
def test_gtzan_clip_leads_with_truth(monkeypatch):
    monkeypatch.setenv("MGC_GTZAN_DIR", os.fspath(GTZAN))
    at = app_on(PAGE)
    at.selectbox(key="input_gtzan_genre").set_value("metal")
    at.run()
    at.selectbox(key="input_gtzan_id").set_value("metal.00001")
    at.button(key="input_gtzan_go").click()
    at.run()
    _check_full_result(at)
    assert at.subheader[0].value == "True genre: metal"
    assert any("seen in training" in h.value for h in at.subheader)


def _signal(at, name: str = "drum_pattern") -> None:
    at.selectbox(key="input_signal").set_value(name)
    at.button(key="input_signal_go").click()
    at.run()


def test_why_the_cnn_decided_shows_a_log_mel_and_its_occlusion_map():
    at = app_on(PAGE)
    _signal(at)
    assert not at.exception, at.exception
    assert any(h.value == "Why the CNN decided" for h in at.subheader)
    spec, occ = figures(at)["fig_occlusion"]["data"]
    for trace in (spec, occ):
        z = np.asarray(trace["z"])
        assert 0 < z.shape[0] <= 96 and 0 < z.shape[1] <= 187
        assert np.all(np.isfinite(z))
    assert np.asarray(occ["y"]).max() < 8000  # band centres in Hz at 16 kHz
    assert any("Red" in c.value for c in at.caption)


def test_batch_of_two_wavs_and_a_bad_file_gives_three_rows():
    at = app_on(PAGE)
    _signal(at)
    at.file_uploader(key="batch_upload").set_value([
        ("one.wav", _drums_wav(4.0), "audio/wav"),
        ("broken.mp3", b"hello, not audio" * 10, "audio/mpeg"),
        ("two.wav", _wav(7.0, sr=16000), "audio/wav"),
    ])
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["file"]) == ["one.wav", "broken.mp3", "two.wav"]
    from mgc_core.audio import load_audio
    from mgc_core.errors import AudioError

    with pytest.raises(AudioError) as expected:
        load_audio(b"hello, not audio" * 10, sr=22050)
    bad = table.iloc[1]
    from mgc_core.audio.uploads import plain_message

    # the app shows the loader's message in plain words
    assert bad["error"] == plain_message(str(expected.value)) and bad["genre"] == ""
    assert bad["content"] == ""  # no "None" in a bad file's row
    for i in (0, 2):
        row = table.iloc[i]
        assert row["error"] == "" and row["content"] in KINDS and 0 <= row["music_p"] <= 1
        assert all(row[m] in GENRES and 0 < row[f"{m}_p"] <= 1 for m in MODEL_NAMES)
        assert isinstance(row["audioset_genre"], str) and row["audioset_genre"]
    music, tone = table.iloc[0], table.iloc[2]
    assert music["content"] == "music" and music["genre"] in GENRES
    assert 0 < music["confidence"] <= 1
    # not music: the verdict is empty, and the content column says why
    assert tone["content"] != "music" and tone["genre"] == "" and pd.isna(tone["confidence"])
    assert np.isclose(table.iloc[2]["duration_s"], 7.0, atol=0.05)
    assert any("its verdict stays empty" in c.value for c in at.caption)
    assert ATTRIBUTION in " ".join(c.value for c in at.caption)
    csv_button = [b for b in at.get("download_button") if "batch" in b.proto.id]
    assert csv_button


def test_each_model_reports_its_progress_as_it_finishes():
    from ui.results import result_store

    result_store.clear()  # a result stored by an earlier test is shown without the steps
    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.button(key="input_signal_go").click()
    at.run()
    assert not at.exception
    done = [m.value for m in at.markdown if m.value.startswith("✓ ")]
    assert done[0].startswith("✓ Analysing the sound")
    assert [d.split(" · ")[0][2:] for d in done[1:-1]] == [MODEL_TITLES[n] for n in MODEL_NAMES]
    assert done[-1].startswith("✓ Is it music at all?")
    assert all(d.endswith(" s") for d in done)
    # a result already stored is shown at once, without the steps
    at.run()
    assert not [m.value for m in at.markdown if m.value.startswith("✓ ")]
    assert any(h.value.startswith("Verdict:") for h in at.subheader)


def test_with_nothing_chosen_the_panel_is_open_not_an_expander():
    at = app_on(PAGE)
    assert not [e for e in at.expander if e.label == "Choose music"]
    assert any("**Choose music**" in m.value for m in at.markdown)
    assert at.get("file_uploader") or at.selectbox(key="input_signal")
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.button(key="input_signal_go").click()
    at.run()
    assert [e for e in at.expander if e.label == "Choose music"]  # folded once chosen


def _on_a_10_s_drum_pattern():
    """The page after choosing the built-in drum pattern, 10 s long (three segments)."""
    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.slider(key="input_signal_seconds").set_value(10.0)
    at.button(key="input_signal_go").click()
    return at.run()


def test_the_segment_player_plays_exactly_the_segment():
    at = _on_a_10_s_drum_pattern()
    _choose_segment(at, 2)
    from mgc_core.models.frontend import segment_times

    t0, t1 = segment_times(3)[2]
    assert any(c.value.startswith(f"Plays exactly this segment: {t0:.2f}–{t1:.2f} s")
               for c in at.caption)


def test_the_chosen_segment_is_kept_when_leaving_the_page():
    at = _on_a_10_s_drum_pattern()
    _choose_segment(at, 1)
    at.switch_page("pages/about.py").run()
    at.switch_page("pages/classify.py").run()
    assert not at.exception
    assert _stepper(at)["value"] == 1
    assert at.markdown and any(m.value == "**Segment 3–6 s**" for m in at.markdown)


def _stepper(at) -> dict:
    """The segment stepper's arguments (a custom component: AppTest cannot click it)."""
    found = [json.loads(e.proto.json_args) for e in at.get("component_instance")
             if e.proto.component_name.endswith("stepper")]
    assert len(found) == 1, found
    return found[0]


def _choose_segment(at, i: int) -> None:
    """Choose segment ``i`` as the stepper does: it sends ``{"i": i, "seq": …}`` to the
    component's key, whose change callback keeps it as the page's segment."""
    key = "segment_" + at.session_state["selection"].audio.key
    at.session_state[key] = i  # what _picked stores (the callback runs only in a browser)
    at.run()
    assert _stepper(at)["value"] == i  # the callback itself: tests/test_ui_stepper.py


def test_the_segment_stepper_lists_every_segment():
    at = _on_a_10_s_drum_pattern()
    args = _stepper(at)
    assert args["labels"] == ["0–3 s", "3–6 s", "6–9 s"] and args["value"] == 0
    assert not [s for s in at.select_slider if s.label == "Segment"]


def test_a_model_known_to_be_overconfident_is_flagged_beside_its_answer():
    from ui.evaluations import confidence_hint

    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.button(key="input_signal_go").click()
    at.run()
    flagged = [n for n in MODEL_NAMES if confidence_hint(n)]
    assert flagged, "the stored evaluations flag no model: this test needs one"
    captions = [c.value for c in at.caption]
    for name in MODEL_NAMES:
        shown = any(c.endswith(confidence_hint(name) or "\0") for c in captions)
        assert shown == (name in flagged), name
