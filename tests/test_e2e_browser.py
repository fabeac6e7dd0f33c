"""End to end in real headless Chromium: upload, record, classify, open the Models page.

Starts the app with ``streamlit run`` and drives Debian's chromium through Playwright. The
microphone is Chromium's fake capture device fed from a WAV file. Screenshots go to the
test's tmp dir. No request of the pages may leave the machine (see test_offline_browser.py).
"""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest
import soundfile as sf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

if shutil.which("chromium") is None:  # `make test` installs it; a bare pytest may lack it
    pytest.skip("Debian's chromium is not installed (make test installs it)",
                allow_module_level=True)

from browser import chromium, running_app, wait_for_app  # noqa: E402
from test_offline_browser import leaves_the_machine  # noqa: E402

#: The page navigation: a bar in the header on a wide screen (st.navigation's
#: position="top"), the sidebar's menu on a narrow one.
NAV = '[data-testid="stTopNav"], [data-testid="stSidebarNav"]'


def _tone(path, freq, seconds, sr=44100):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.4 * np.sin(2 * np.pi * freq * t) + 0.2 * np.sin(2 * np.pi * 2 * freq * t)
    sf.write(path, np.stack([y, y], axis=1), sr, subtype="PCM_16")
    return path


def _music(path, seconds, sr=44100):
    """Drums over a chord: music to the gate (a bare tone is not)."""
    from mgc_core.audio.signals import drum_pattern, major_chord

    y = 0.5 * drum_pattern(sr=sr, duration=seconds) + 0.5 * major_chord(sr=sr, duration=seconds)
    sf.write(path, np.stack([y, y], axis=1), sr, subtype="PCM_16")
    return path


def test_upload_and_record_in_a_real_browser(tmp_path):
    song = _music(tmp_path / "song.wav", 8.0)
    mic = _tone(tmp_path / "mic.wav", 330.0, 6.0, sr=48000)
    env = {k: v for k, v in os.environ.items() if k != "MGC_GTZAN_DIR"}
    fake_mic = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic}",
    ]
    with running_app(env=env) as url, chromium(extra_args=fake_mic) as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 2000})
        context.grant_permissions(["microphone"], origin=url)
        page = context.new_page()
        requests: list[str] = []  # everything the pages ask for, to check none goes out
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.goto(url)
        wait_for_app(page)
        nav = page.locator(NAV)
        nav.get_by_role("link", name="Audio features").click()
        page.get_by_role("heading", name="Audio features").wait_for(timeout=60_000)
        wait_for_app(page)
        page.get_by_text("Choose some music above").wait_for(timeout=60_000)
        page.screenshot(path=tmp_path / "01_empty.png")

        # Upload a file and see the plots.
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(song))
        page.get_by_text("Now analysing:").wait_for(timeout=120_000)
        wait_for_app(page)
        page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
        assert page.get_by_text("song.wav").count() >= 1
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=120_000
        )
        page.screenshot(path=tmp_path / "02_uploaded.png", full_page=True)

        # The uploaded song on Classify: the models side by side and the timeline.
        nav.get_by_role("link", name="Classify").click()
        page.get_by_text("Verdict:").wait_for(timeout=180_000)
        page.get_by_text("Genre over time").wait_for(timeout=60_000)
        wait_for_app(page)
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot').length >= 8", timeout=120_000
        )
        assert page.get_by_text("song.wav").count() >= 1
        page.screenshot(path=tmp_path / "03_classify_song.png", full_page=True)

        # Record through the microphone widget (fake device fed from mic.wav) on Classify.
        page.get_by_text("Choose music").click()
        page.get_by_role("tab", name="Record").click()
        page.get_by_role("button", name="Record").click()
        page.wait_for_timeout(2500)
        page.get_by_role("button", name="Stop recording").click()
        page.get_by_text("microphone recording.wav").first.wait_for(timeout=120_000)
        # A recorded tone is not music: the gate says so instead of giving a verdict.
        page.get_by_text(re.compile("Verdict:|does not sound like music")).first.wait_for(
            timeout=180_000)
        wait_for_app(page)
        page.screenshot(path=tmp_path / "04_classify_recording.png", full_page=True)
        assert not page.locator('[data-testid="stException"]').count()

        # The stored evaluation on the Models page.
        nav.get_by_role("link", name="Models").click()
        page.get_by_role("heading", name="Models: how good are they?").wait_for(timeout=60_000)
        wait_for_app(page)
        page.screenshot(path=tmp_path / "05_models.png", full_page=True)
        assert not page.locator('[data-testid="stException"]').count()
        context.close()
    assert (tmp_path / "04_classify_recording.png").stat().st_size > 10_000
    assert requests and not sorted({u for u in requests if leaves_the_machine(u)})
