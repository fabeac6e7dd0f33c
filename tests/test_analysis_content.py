"""Tests of mgc_core.analysis.content: the music/speech/silence/noise gate."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mgc_core.analysis.content import KINDS, MIN_MUSIC, Content, judge_content
from mgc_core.audio import Audio, load_audio
from mgc_core.audio.signals import make_signal
from mgc_core.errors import ParameterError
from mgc_core.models.audioset import bundled_tagger
from mgc_core.models.frontend import analyse_audio

GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"


def _logits(**p: float) -> np.ndarray:
    """Two segments of AudioSet logits with the given class probabilities, the rest ~0."""
    index = {"music": 137, "speech": 0, "silence": 500, "noise": 520}
    z = np.full((2, 527), -9.0)
    for name, prob in p.items():
        z[:, index[name]] = np.log(prob / (1 - prob))
    return z


@pytest.mark.parametrize("probs, peak, kind", [
    ({"music": 0.8}, 0.5, "music"),
    ({"music": 0.8, "speech": 0.3}, 0.5, "music"),
    ({"music": 0.3, "speech": 0.6}, 0.5, "speech"),
    ({"music": 0.05, "noise": 0.4}, 0.5, "noise"),
    ({"music": 0.1}, 0.5, "noise"),  # little music, nothing else: not music either
    ({"music": 0.8}, 1e-4, "silence"),  # the loader's silence wins
    ({"music": 0.2, "silence": 0.7}, 0.5, "silence"),
])
def test_rules(probs, peak, kind):
    c = judge_content(_logits(**probs), peak=peak)
    assert c.kind == kind and c.kind in KINDS
    assert c.is_music == (kind == "music")
    assert c.music_probability == pytest.approx(probs["music"], abs=1e-6)
    assert (c.statement == "") == c.is_music
    assert c.to_dict() == {"kind": kind, "music_probability": round(c.music_probability, 4)}


def test_statement_names_what_was_heard():
    labels = [f"class {i}" for i in range(527)]
    c = judge_content(_logits(music=0.2, speech=0.7), peak=0.5, labels=labels)
    assert c.heard == "class 0"
    assert c.statement == ("This sounds like speech, not music (AudioSet hears mostly: "
                           "class 0): the genre guesses below mean little.")
    assert isinstance(c, Content) and MIN_MUSIC > 0.1


@pytest.mark.parametrize("logits, peak", [
    (np.zeros((2, 526)), 0.5), (np.zeros((0, 527)), 0.5), (np.full((1, 527), np.nan), 0.5),
    (np.zeros((1, 527)), -1.0), (np.zeros((1, 527)), float("nan")),
])
def test_bad_inputs(logits, peak):
    with pytest.raises(ParameterError):
        judge_content(logits, peak=peak)


# --------------------------------------------------------------------------- real sounds


@pytest.fixture(scope="module")
def tagger():
    return bundled_tagger()


def _kind(tagger, audio: Audio) -> str:
    tags = tagger.tag(analyse_audio(audio))
    peak = float(np.max(np.abs(audio.samples)))
    return judge_content(tags.logits, peak=peak, labels=tagger.labels).kind


def test_synthesised_speech_is_speech(tagger, tmp_path):
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("Debian's espeak-ng is not installed (make test installs it)")
    wav = tmp_path / "speech.wav"
    subprocess.run([espeak, "-w", str(wav), "Good morning everyone. Today we talk about how a "
                    "computer tells the genre of a song, and why it sometimes gets it wrong."],
                   check=True, timeout=60)
    assert _kind(tagger, load_audio(wav)) == "speech"


@pytest.mark.parametrize("name, kind", [
    ("white_noise", "noise"), ("pink_noise", "noise"), ("click_track", "noise"),
    ("sine", "noise"), ("drum_pattern", "music"),
])
def test_built_in_signals(tagger, name, kind):
    assert _kind(tagger, Audio(make_signal(name, sr=22050, duration=8.0), sr=22050)) == kind


@pytest.mark.parametrize("amplitude", [0.0, 1e-4])
def test_silence_and_near_silence(tagger, amplitude):
    rng = np.random.default_rng(0)
    y = (amplitude * rng.standard_normal(22050 * 5)).astype(np.float32)
    assert _kind(tagger, Audio(y, sr=22050)) == "silence"


@pytest.mark.slow
@pytest.mark.gtzan
def test_every_usable_gtzan_clip_passes_as_music(tagger):
    if not GTZAN.is_dir():
        pytest.skip(f"GTZAN is not at {GTZAN}")
    from mgc_core.datasets import GTZAN as Dataset
    from mgc_core.datasets.clips import clip_table

    table = clip_table(Dataset(GTZAN))
    misses = {}
    for track_id, path in zip(table.ids, table.paths, strict=True):
        audio = load_audio(path, sr=16000)
        kind = _kind(tagger, audio)
        if kind != "music":
            misses[track_id] = kind
    assert not misses, f"{len(misses)} of {len(table)} usable clips failed the gate: {misses}"
