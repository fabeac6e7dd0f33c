"""Refresh the README's screenshots by driving the real app in headless Chromium.

Run with ``make screenshots`` (not part of the tests). Writes small PNGs, one per
page, into the folder given on the command line (default ``docs/screenshots``).
The music shown is synthesised here (mgc_core.audio.signals), never a dataset file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "tests"), str(_ROOT)]  # the browser helpers of the tests

from browser import chromium, running_app, wait_for_app  # noqa: E402

from mgc_core.audio import signals  # noqa: E402


def _demo_song(path: Path, sr: int = 22050) -> Path:
    """A 12-s demo: a drum pattern under a major chord."""
    drums = signals.drum_pattern(sr=sr, duration=12.0)
    chord = signals.major_chord(sr=sr, duration=12.0)
    sf.write(path, (0.6 * drums + 0.4 * chord).astype(np.float32), sr)
    return path


#: The page navigation: a bar in the header on a wide screen, the sidebar's menu on a
#: narrow one.
_NAV = '[data-testid="stTopNav"], [data-testid="stSidebarNav"]'


def _open(page, title: str) -> None:
    page.locator(_NAV).get_by_role("link", name=title).click()
    page.wait_for_timeout(500)
    wait_for_app(page)


def main(out_dir: str = "docs/screenshots") -> None:
    """Take one screenshot per page into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_app() as url, chromium() as browser:
        song = _demo_song(Path(tmp) / "demo song.wav")
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.goto(url)
        wait_for_app(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(song))
        page.get_by_text("Verdict:").wait_for(timeout=180_000)
        page.get_by_text("Why the CNN decided").wait_for(timeout=180_000)
        wait_for_app(page)
        page.wait_for_function(  # 4 bar charts, 4 timelines, the occlusion map
            "() => document.querySelectorAll('.js-plotly-plot').length >= 9", timeout=120_000
        )
        page.wait_for_timeout(1500)
        page.screenshot(path=out / "classify.png", full_page=True)
        _open(page, "Audio features")
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=120_000
        )
        page.get_by_role("tab", name="Spectrogram").click()
        page.wait_for_timeout(1500)
        wait_for_app(page)
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=120_000
        )
        page.screenshot(path=out / "audio_features.png", full_page=True)
        for title, name in (("Models", "models"), ("Dataset", "dataset"), ("About", "about")):
            _open(page, title)
            page.wait_for_timeout(2500)
            page.screenshot(path=out / f"{name}.png", full_page=True)
    print(f"screenshots written to {out}/")


if __name__ == "__main__":
    main(*sys.argv[1:2])
