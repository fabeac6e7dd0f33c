"""AppTest runs of ui.flips ("What flips it?") for no input, a built-in signal, a
ten-minute song, an 8 kHz phone recording and bad input (empty, silent, not audio).

The section runs in a one-function app, as pages/classify.py calls it. Needs the bundled
models; each run classifies only a few versions to stay quick.
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


def _section() -> None:
    import streamlit as st

    from ui.flips import what_flips_section

    what_flips_section(st.session_state.get("audio"), st.session_state.get("result"))


def _app(audio) -> AppTest:  # noqa: ANN001
    at = AppTest.from_function(_section, default_timeout=TIMEOUT)
    at.session_state["audio"] = audio
    return at.run()


def _try(at: AppTest, kinds: list[str], **amounts: float) -> AppTest:
    at.multiselect(key="flips_kinds").set_value(kinds)
    at.run()
    for kind, value in amounts.items():
        at.slider(key=f"flips_{kind}").set_value(value)
    at.button(key="flips_run").click()
    return at.run()


def _check(at: AppTest, labels: list[str]) -> object:
    assert not at.exception, at.exception
    assert not messages(at, "error"), messages(at, "error")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Original", *labels]
    assert table.index[-2:].tolist() == ["Verdict (ensemble)", "Sounds like (gate)"]
    summaries = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert [s[2:].split(":")[0] for s in summaries] == labels
    assert len(at.get("audio")) == 1 + len(labels)
    return table


def test_no_input():
    at = _app(None)
    assert not at.exception
    assert at.subheader[0].value == "What flips it?"
    assert "Choose some music" in messages(at, "info")[0]


def test_built_in_signal():
    at = _app(Audio(make_signal("drum_pattern", sr=SR, duration=5.0), sr=SR))
    assert not at.exception
    assert at.button(key="flips_run").label == "Try the changes"
    assert not at.dataframe  # nothing computed before the button
    at = _try(at, ["phone", "pitch", "noise"], pitch=12.0, noise=0.0)
    table = _check(at, ["Phone line (300–3400 Hz)", "Pitch +12 semitones",
                        "Noise at 0 dB SNR"])
    for label in table.columns[1:]:
        for cell in table[label]:
            assert cell.startswith("→ ") or cell in table["Original"].tolist() or cell == "—"
    # The answer stays while the page reruns with the same choices...
    at.run()
    assert len(at.dataframe) == 1
    # ... and goes when a setting changes.
    at.slider(key="flips_pitch").set_value(-3.0)
    at.run()
    assert not at.dataframe and not at.exception


def test_ten_minute_song():
    song = Audio(np.tile(make_signal("drum_pattern", sr=SR, duration=10.0), 60), sr=SR)
    at = _app(song)
    assert at.slider(key="flips_start").max == 570.0
    at.slider(key="flips_start").set_value(300.0)
    at = _try(at, ["percussive"])
    _check(at, ["Percussive part only (drums)"])
    assert any("Judged on 30 s of the 600 s, from 5:00 to 5:30" in c.value for c in at.caption)


def test_phone_recording():
    buf = io.BytesIO()
    sf.write(buf, make_signal("drum_pattern", sr=8000, duration=6.0), 8000, format="WAV")
    phone = load_audio(buf.getvalue(), sr=SR)
    at = _try(_app(phone), ["phone", "tempo"], tempo=0.8)
    _check(at, ["Phone line (300–3400 Hz)", "Tempo ×0.8"])


def test_bad_input():
    at = _app(Audio(np.zeros(0, np.float32), sr=SR))
    assert not at.exception and "no samples" in messages(at, "error")[0]
    at = _app(np.zeros(100))
    assert not at.exception and "no samples" in messages(at, "error")[0]
    at = _app(Audio(np.zeros(3 * SR, np.float32), sr=SR))
    at.multiselect(key="flips_kinds").set_value([])
    at.run()
    assert not at.exception and at.button(key="flips_run").disabled
    assert "at least one change" in messages(at, "info")[0]
    at = _try(at, ["noise"])
    assert not at.exception
    summary = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert "could not be made" in summary[0] and "silent" in summary[0]
    assert at.dataframe[0].value["Noise at 10 dB SNR"].tolist()[-1] == "—"
    assert len(at.get("audio")) == 1  # only the original can be played
