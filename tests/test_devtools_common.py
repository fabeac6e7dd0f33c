"""Tests of what the developer tools share (mgc_devtools._common): the test music, memory
readings, timing statistics, the Audio features page's work, and the tools' import graph."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mgc_core import features
from mgc_core.errors import ParameterError
from mgc_devtools import _common as common
from mgc_devtools._common import PageSettings, features_page_steps, features_page_work

ROOT = Path(__file__).resolve().parents[1]
SR = common.SR
PAGE_STEPS = ["waveform_envelope", "spectrum", "stft_db", "mel_db", "mfcc", "spectral_features",
              "chroma", "tonnetz", "tempo_beats", "hpss", "beats_envelope"]


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    """Five seconds of the test music."""
    return common.music_like(duration=5.0)


# --------------------------------------------------------------------------- test music, memory


def test_music_like_is_deterministic_with_peak_0_8():
    a, b = common.music_like(duration=2.0), common.music_like(duration=2.0)
    assert a.shape == (2 * SR,) and a.dtype == np.float32 and (a == b).all()
    assert np.max(np.abs(a)) == pytest.approx(0.8)
    assert common.music_like(duration=1.0, sr=16000).shape == (16000,)


def test_rss_mb_reads_this_process():
    """In a fresh interpreter: in this one, freed memory may be reused without growing."""
    code = ("import numpy as np; from mgc_devtools import _common as c; b = c.rss_mb(); "
            "x = np.ones(64 * 2**20 // 8); print(c.rss_mb() - b)")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    assert float(out) > 48  # 64 MB allocated and touched


def test_peak_rss_is_at_least_the_current_rss():
    assert common.peak_rss_mb() >= common.rss_mb() * 0.99 > 0


# --------------------------------------------------------------------------- timing


def test_time_calls_warms_up_once_then_times_each_call():
    calls = []
    times = common.time_calls(lambda: calls.append(1), 3)
    assert len(calls) == 4 and len(times) == 3 and all(t >= 0 for t in times)


def test_timing_stats():
    assert common.timing_stats([3.0, 1.0, 2.0]) == {
        "median_s": 2.0, "min_s": 1.0, "max_s": 3.0, "n": 3}


# --------------------------------------------------------------------------- page settings


@pytest.mark.parametrize(("duration", "end_s"), [(5.0, 5.0), (60.0, 60.0), (300.0, 30.0)])
def test_default_window_is_the_clip_up_to_60_s_else_its_first_30_s(duration, end_s):
    s = PageSettings().resolve(duration=duration, sr=SR)
    assert (s.start_s, s.end_s) == (0.0, end_s)
    assert (s.n_fft, s.hop_length, s.fmin, s.fmax) == (2048, 512, 0.0, SR / 2)
    assert (s.n_mels, s.n_mfcc, s.deltas) == (128, 20, False)


def test_defaults_follow_the_fft_size_and_frequency_range():
    s = PageSettings(n_fft=256).resolve(duration=5.0, sr=SR)
    cap = features.max_n_mels(sr=SR, n_fft=256)
    assert s.hop_length == 128 and s.n_mels == min(128, cap) and s.n_mfcc == 20
    narrow = PageSettings(fmin=1000.0, fmax=1100.0).resolve(duration=5.0, sr=SR)
    assert (narrow.fmin, narrow.fmax) == (0.0, SR / 2)  # the page's fallback to the whole range
    few = PageSettings(n_mels=12).resolve(duration=5.0, sr=SR)
    assert few.n_mfcc == 12


def test_a_window_under_half_a_second_is_refused(clip):
    with pytest.raises(ParameterError, match="0.5 s"):
        PageSettings(start_s=1.0, end_s=1.2).resolve(duration=5.0, sr=SR)
    with pytest.raises(ParameterError):
        features_page_work(clip, sr=SR, settings=PageSettings(start_s=1.0, end_s=1.2))


# --------------------------------------------------------------------------- the page's work


def test_steps_are_the_page_tabs_in_order_and_are_not_run(clip, monkeypatch):
    monkeypatch.setattr(features, "hpss", lambda y: pytest.fail("a step ran"))
    assert list(features_page_steps(clip, sr=SR)) == PAGE_STEPS


def test_windows_over_60_s_skip_the_rhythm_tab():
    y = np.zeros(int(61 * 8000), dtype=np.float32)
    steps = features_page_steps(y, sr=8000, settings=PageSettings(end_s=61.0))
    assert "tempo_beats" not in steps and "hpss" not in steps and "beats_envelope" not in steps


def test_work_uses_the_settings_and_the_window(clip):
    s = PageSettings(n_fft=1024, n_mels=40, n_mfcc=13, deltas=True, start_s=1.0, end_s=3.0)
    work = features_page_work(clip, sr=SR, settings=s)
    assert list(work) == PAGE_STEPS
    w = clip[SR:3 * SR]
    np.testing.assert_allclose(work["mel_db"], features.mel_db(
        w, sr=SR, n_fft=1024, hop_length=512, n_mels=40, fmin=0.0, fmax=SR / 2))
    assert work["mfcc"].shape[0] == 3 * 13  # with deltas and delta-deltas
    assert work["waveform_envelope"].times[-1] > 4.0  # the whole clip, not the window
    assert work["beats_envelope"].times[-1] < 2.1  # the window
    harmonic, percussive = work["hpss"]
    assert harmonic.shape == percussive.shape == w.shape


@pytest.mark.slow
def test_the_page_computes_the_same_with_the_same_defaults():
    """The Audio features page's default settings and its MFCCs equal the tools' ones.

    The page runs alone, not inside streamlit_app.py, so that the app's background
    warm-up thread does not import TensorFlow while a later test does."""
    from _apptest import TIMEOUT, figures
    from streamlit.testing.v1 import AppTest

    t = np.arange(3 * 44100) / 44100
    buf = io.BytesIO()
    sf.write(buf, 0.5 * np.sin(2 * np.pi * 440 * t), 44100, format="WAV", subtype="PCM_16")
    at = AppTest.from_file(str(ROOT / "pages" / "audio_features.py"), default_timeout=TIMEOUT)
    at.run()
    at.file_uploader(key="input_upload").set_value(("tone.wav", buf.getvalue(), "audio/wav"))
    at.run()
    assert not at.exception, at.exception
    audio = at.session_state["selection"].audio
    s = PageSettings().resolve(duration=audio.duration, sr=audio.sr)
    n_fft, hop = (at.select_slider(key=k).value for k in ("fx_n_fft", "fx_hop"))
    (fmin, fmax), n_mels, n_mfcc = (at.slider(key=k).value
                                    for k in ("freq_range", "fx_n_mels", "fx_n_mfcc"))
    assert (n_fft, hop, fmin, fmax, n_mels, n_mfcc) == (
        s.n_fft, s.hop_length, s.fmin, s.fmax, s.n_mels, s.n_mfcc)
    assert at.slider(key=f"window_{audio.key}").value == (s.start_s, s.end_s)
    at.session_state["feature_tab"] = "MFCC"
    at.run()
    shown = figures(at)["fig_mfcc"]["data"][0]["z"]
    work = features_page_work(audio.samples, sr=audio.sr)
    np.testing.assert_allclose(np.asarray(shown, dtype=float), work["mfcc"], atol=1e-3)


# --------------------------------------------------------------------------- import graph


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_the_tools_import_no_circle_and_the_library_reaches_them_only_from_its_cli():
    tools = {p.stem: _imports(p) for p in (ROOT / "mgc_devtools").glob("*.py")}
    graph = {m: {t.split(".")[1] for t in imps if t.startswith("mgc_devtools.")} - {m}
             for m, imps in tools.items()}

    def reaches(start: str, goal: str, seen: frozenset = frozenset()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n}))
                   for n in graph.get(start, ()))

    assert not [m for m in graph if reaches(m, m)], graph
    assert graph["_common"] == set()  # the shared helpers import no tool
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "mgc_core").rglob("*.py")
                   if any(t.startswith("mgc_devtools") for t in _imports(p)))
    assert users == ["mgc_core/cli.py"]


def test_a_small_child_of_a_big_process_reports_its_own_peak():
    # ru_maxrss carries the parent's peak into a child started by subprocess; the
    # benchmark's cold start and the memory tool measure such children.
    ballast = np.ones(300 * 2**20 // 8)  # this process: at least 300 MB resident
    code = "from mgc_devtools._common import peak_rss_mb; print(peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(common.__file__).parents[1])
    assert ballast.sum() > 0
    assert float(out.stdout.strip()) < 200
