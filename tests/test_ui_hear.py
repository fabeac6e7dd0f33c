"""AppTest runs of ui.hear (the "Listen to it" players of the Audio features page) for no
input, a built-in signal, a ten-minute song, an 8 kHz phone recording and bad input.

The players run in a one-function app that computes the window as pages/audio_features.py
does and calls each function beside where its plot would be.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from _apptest import TIMEOUT, messages
from streamlit.testing.v1 import AppTest

from mgc_core.audio import Audio, load_audio
from mgc_core.audio.signals import make_signal

pytestmark = pytest.mark.slow
SR = 22050
TOGGLES = ("hear_mel", "hear_mfcc", "hear_beats")


def _page() -> None:
    import streamlit as st

    from ui import analysis
    from ui.hear import hear_beats, hear_hpss, hear_mel, hear_mfcc

    audio = st.session_state.get("audio")
    if audio is None:
        st.info("Choose some music above.")
        st.stop()
    start_s, end_s = st.session_state.get("window", (0.0, audio.duration))
    n_mels, n_mfcc = st.session_state.get("n_mels", 128), st.session_state.get("n_mfcc", 20)
    wkey = analysis.Window(audio.key, start_s, end_s)
    w = analysis.clip(wkey, audio.samples, audio.sr, start_s, end_s)
    hear_mel(wkey, w, audio.sr, n_mels=n_mels, n_fft=2048, hop_length=512, fmin=0.0,
             fmax=audio.sr / 2)
    hear_mfcc(wkey, w, audio.sr, n_mfcc=n_mfcc, n_mels=n_mels, n_fft=2048, hop_length=512,
              fmin=0.0, fmax=audio.sr / 2)
    if end_s - start_s <= 60:
        _, beats = analysis.beats(wkey, w, audio.sr, 512)
        hear_beats(wkey, w, audio.sr, beats)
        hear_hpss(*analysis.hpss(wkey, w), audio.sr)


def _run(audio, *, listen: bool = True, **state) -> AppTest:  # noqa: ANN001
    at = AppTest.from_function(_page, default_timeout=TIMEOUT)
    at.session_state["audio"] = audio
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    if listen:
        for toggle in at.toggle:
            assert toggle.key in TOGGLES
            toggle.set_value(True)
        at.run()
        assert not at.exception, at.exception
    return at


def _bold(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**")]


def test_no_input():
    at = _run(None, listen=False)
    assert messages(at, "info") == ["Choose some music above."]


def test_players_are_off_until_asked():
    at = _run(Audio(make_signal("drum_pattern", sr=SR, duration=4.0), sr=SR), listen=False)
    assert [t.label for t in at.toggle] == ["Listen to it"] * 3
    assert _bold(at) == ["**Harmonic part**", "**Percussive part**"]  # the split is cheap
    assert len(at.get("audio")) == 2


def test_built_in_signal():
    at = _run(Audio(make_signal("drum_pattern", sr=SR, duration=4.0), sr=SR))
    assert _bold(at) == ["**From 16 mel bands**", "**From 128 mel bands**", "**From 20 MFCCs**",
                         "**The music with a click on each beat found**",
                         "**Harmonic part**", "**Percussive part**"]
    assert len(at.get("audio")) == 6
    assert not any("Only the first" in c.value for c in at.caption)


def test_ten_minute_song():
    song = Audio(np.tile(make_signal("drum_pattern", sr=SR, duration=10.0), 60), sr=SR)
    at = _run(song, n_mels=40)
    assert _bold(at) == ["**From 16 mel bands**", "**From 40 mel bands**", "**From 20 MFCCs**"]
    notes = [c.value for c in at.caption if "Only the first 10 s" in c.value]
    assert len(notes) == 2


def test_phone_recording():
    buf = io.BytesIO()
    sf.write(buf, make_signal("drum_pattern", sr=8000, duration=5.0), 8000, format="WAV")
    phone = load_audio(buf.getvalue(), sr=8000)
    at = _run(phone, window=(0.0, 5.0))
    assert "**From 16 mel bands**" in _bold(at)
    assert len(at.get("audio")) == 6
    assert not messages(at, "error")


def test_bad_input():
    # Silence: every player works and plays silence; no beat to click.
    at = _run(Audio(np.zeros(3 * SR, np.float32), sr=SR))
    assert "No beat was found" in messages(at, "info")[0]
    assert not messages(at, "error")
    # A setting no mel filter bank allows is named, the rest of the page goes on.
    at = _run(Audio(make_signal("drum_pattern", sr=SR, duration=2.0), sr=SR), n_mfcc=999)
    errors = messages(at, "error")
    assert len(errors) == 1 and "n_mfcc" in errors[0]
    assert "**From 16 mel bands**" in _bold(at)
