"""The cold path as a user meets it: the first verdict right after the server starts.

Starts the real server (``streamlit run``, :func:`browser.running_app`), opens the app in
headless Chromium the moment it answers, and uploads a 30-s WAV as soon as the page
shows the input panel, while the server's background warm-up (``ui.warmup``) may still
be loading the models. It measures the time from the upload to every model's verdict on
the page, and from the server's start to that verdict, and checks that the page showed
each model's progress (not one spinner) on the way.

The times are reported, not asserted (machines differ; a timed assertion would be
flaky): printed (``pytest -s``) and written to ``cold_timings.json`` in the test's tmp
dir, whose path is the last line printed. The issue's target is 5 s from upload to the
verdicts on the 2-core machine.
"""

from __future__ import annotations

import io
import json
import shutil
import time

import numpy as np
import pytest
import soundfile as sf

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

if shutil.which("chromium") is None:  # `make test` installs it; a bare pytest may lack it
    pytest.skip("Debian's chromium is not installed (make test installs it)",
                allow_module_level=True)

from browser import chromium, running_app  # noqa: E402

from mgc_core.models.registry import MODEL_NAMES  # noqa: E402

UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
_READY_JS = f"""() =>
    document.querySelectorAll('[data-testid="stMetric"] [data-testid="stMetricValue"]').length
        >= {len(MODEL_NAMES)}
    && [...document.querySelectorAll('h3')].some(h => h.innerText.trim().startsWith('Verdict:'))
"""
# Any model's step ticked off while the others still run: progress per model.
_STEP_JS = """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .some(e => e.innerText.trim().startsWith('✓ '))"""


def _song(path) -> None:  # noqa: ANN001
    from mgc_devtools._common import music_like

    y = music_like(duration=30.0)
    buf = io.BytesIO()
    sf.write(buf, np.asarray(y, np.float32), 22050, format="WAV", subtype="PCM_16")
    path.write_bytes(buf.getvalue())


def test_first_verdict_after_server_start(tmp_path):
    song = tmp_path / "first-song.wav"
    _song(song)
    started = time.perf_counter()
    with running_app() as url, chromium() as browser:
        up = time.perf_counter()
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(url)
        page.get_by_text("Choose some music above").wait_for(timeout=120_000)
        opened = time.perf_counter()
        page.locator(UPLOAD).first.set_input_files(str(song))
        saw_steps = False
        while True:
            if page.evaluate(_READY_JS):
                break
            saw_steps = saw_steps or page.evaluate(_STEP_JS)
            assert time.perf_counter() - opened < 240, "no verdict within 240 s"
            page.wait_for_timeout(50)
        done = time.perf_counter()
        body = page.evaluate("() => document.body.innerText")
    report = {
        "server_up_s": round(up - started, 2),
        "page_ready_s": round(opened - up, 2),
        "upload_to_verdict_s": round(done - opened, 2),
        "server_start_to_verdict_s": round(done - up, 2),
    }
    out = tmp_path / "cold_timings.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"\nfirst verdict: {report}\n{out}")
    assert "Traceback" not in body
    assert saw_steps or "Done in" in body, "the page showed no per-model progress"
    assert "Verdict:" in body
