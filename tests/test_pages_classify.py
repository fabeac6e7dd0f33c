"""AppTest runs of the Classify page: no input, a built-in signal, an upload, bad input, GTZAN.

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
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES

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
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV")
    return buf.getvalue()


def _check_full_result(at) -> None:
    assert not at.exception, at.exception
    figs = figures(at)
    for name in MODEL_NAMES:
        bars = figs[f"fig_bars_{name}"]["data"][0]
        assert np.isclose(np.sum(bars["x"]), 1.0, atol=1e-3)
        assert list(bars["y"]) == ["blues", "classical", "country", "disco", "hiphop", "jazz",
                                   "metal", "pop", "reggae", "rock"]
        assert f"fig_timeline_{name}" in figs
    assert any(h.value.startswith("Verdict:") for h in at.subheader)
    assert len(at.get("download_button")) == 2
    stored = assets.ASSETS_DIR / "evaluation" / "transfer.json"
    if stored.is_file():  # each column quotes its model's stored balanced accuracy
        value = json.loads(stored.read_text())["balanced_accuracy"]["value"]
        assert any(f"balanced accuracy {value:.0%}" in c.value for c in at.caption)


def test_no_input():
    at = app_on(PAGE)
    assert not at.exception
    assert any("Choose some music" in m for m in messages(at, "info"))


def test_built_in_signal_gets_four_verdicts_and_a_timeline():
    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.button(key="input_signal_go").click()
    at.run()
    _check_full_result(at)


def test_phone_recording_8khz_upload():
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("phone.wav", _wav(10.0), "audio/wav"))
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
        ("one.wav", _wav(4.0), "audio/wav"),
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
    assert bad["error"] == str(expected.value) and pd.isna(bad["verdict"])
    for i in (0, 2):
        row = table.iloc[i]
        assert row["error"] == "" and row["verdict"] in GENRES
        assert all(row[m] in GENRES and 0 < row[f"{m} p"] <= 1 for m in MODEL_NAMES)
    assert np.isclose(table.iloc[2]["duration_s"], 7.0, atol=0.05)
    csv_button = [b for b in at.get("download_button") if "batch" in b.proto.id]
    assert csv_button
