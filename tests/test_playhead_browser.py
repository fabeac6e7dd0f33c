"""The playhead component in a real browser: it loads, its line follows the player, a
click plays from the moment clicked, and nothing leaves the machine.

Runs ``streamlit run`` on a tiny script that calls :func:`ui.playhead.playhead` on a
built-in signal with a made-up classification, and drives it in Debian's headless
Chromium (:mod:`browser`), recording every request as ``test_offline_browser`` does.
"""

from __future__ import annotations

import shutil
import textwrap
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

if shutil.which("chromium") is None:  # `make test` installs it; a bare pytest may lack it
    pytest.skip("Debian's chromium is not installed (make test installs it)",
                allow_module_level=True)

from browser import chromium, running_app, wait_for_app  # noqa: E402

DURATION = 8.0
APP = textwrap.dedent(f"""
    import numpy as np
    import streamlit as st
    from mgc_core.analysis.classify import ModelResult, Result
    from mgc_core.audio import Audio
    from mgc_core.audio.signals import make_signal
    from ui.playhead import playhead

    st.title("Playhead test")
    audio = Audio(make_signal("drum_pattern", sr=22050, duration={DURATION}), sr=22050)
    times = np.array([[t, t + 3.0] for t in np.arange(0.0, {DURATION} - 2.9, 1.5)])
    P = np.random.default_rng(0).dirichlet(np.ones(10), size=len(times)).astype(np.float32)
    model = ModelResult("knn", P.mean(axis=0), P, "blues", 0.0)
    result = Result({DURATION}, times, {{"knn": model}}, P.mean(axis=0), 0.0)
    clicked = playhead(audio, result, key="ph")
    st.write(f"clicked at {{clicked}}")
""")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _line(frame) -> tuple[float, float]:
    """The line's time (s) and x position (px) as the component writes them."""
    got = frame.evaluate("""() => {
        const l = document.getElementById('line');
        return [parseFloat(l.dataset.time || '0'), parseFloat(l.dataset.x || '0'),
                l.getBoundingClientRect().left];
    }""")
    return got[0], got[2]


def test_the_playhead_follows_the_player_and_a_click_plays_from_there(tmp_path):
    script = tmp_path / "playhead_app.py"
    script.write_text(APP)
    requests: list[str] = []
    with running_app(script=script) as url, chromium(
        extra_args=["--autoplay-policy=no-user-gesture-required"]
    ) as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 1200})
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.goto(url)
        wait_for_app(page)
        assert not page.locator('[data-testid="stException"]').count()
        iframe = page.locator("iframe").first
        iframe.wait_for(timeout=60_000)
        frame = iframe.element_handle().content_frame()
        # The player has the audio: a WAV of the whole signal, decoded by the browser.
        frame.wait_for_function(
            "() => document.getElementById('player').duration > 0", timeout=60_000)
        duration = frame.evaluate("() => document.getElementById('player').duration")
        assert duration == pytest.approx(DURATION, abs=0.05)
        for strip in ("wave", "spec", "timeline"):  # all three strips are drawn
            assert frame.locator(f"#{strip}").bounding_box()["height"] > 40, strip
        t0, x0 = _line(frame)
        assert t0 == 0.0

        # Setting the position moves the line: to a quarter of the way.
        frame.evaluate(f"() => {{ document.getElementById('player').currentTime = "
                       f"{DURATION / 4}; }}")
        frame.wait_for_function(
            "() => parseFloat(document.getElementById('line').dataset.time) > 1.9")
        t1, x1 = _line(frame)
        box = frame.locator("#strips").bounding_box()
        assert t1 == pytest.approx(DURATION / 4, abs=0.05)
        assert x1 - x0 == pytest.approx(box["width"] / 4, abs=3)

        # Playing moves it on by itself.
        frame.evaluate("() => document.getElementById('player').play()")
        page.wait_for_timeout(1500)
        assert not frame.evaluate("() => document.getElementById('player').paused")
        t2, x2 = _line(frame)
        assert t2 > t1 + 0.3 and x2 > x1
        frame.evaluate("() => document.getElementById('player').pause()")

        # A click at 3/4 of the spectrogram's width plays from 3/4 of the song, and the
        # time clicked comes back to Python.
        spec = frame.locator("#spec").bounding_box()
        frame.locator("#spec").click(position={"x": 0.75 * spec["width"],
                                               "y": spec["height"] / 2})
        t3 = frame.evaluate("() => document.getElementById('player').currentTime")
        assert t3 == pytest.approx(0.75 * DURATION, abs=0.1)
        t3_line, x3 = _line(frame)
        assert x3 - x0 == pytest.approx(0.75 * box["width"], abs=0.02 * box["width"])
        page.get_by_text("clicked at 6.").wait_for(timeout=30_000)
        assert not page.locator('[data-testid="stException"]').count()
        page.close()
    away = sorted({u[:120] for u in requests
                   if urlsplit(u).scheme not in {"data", "blob"}
                   and urlsplit(u).hostname not in LOCAL_HOSTS})
    assert away == [], "requests that leave the machine:\n" + "\n".join(away)
    assert any("/component/ui.playhead.playhead/" in u for u in requests), requests[:20]
