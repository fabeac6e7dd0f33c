"""At a phone's size (390 × 844) in real headless Chromium: navigation, settings, toolbar, reload.

The phone is emulated as a page sees one: its viewport, touch, and an iPhone's user agent
(Streamlit folds its page menu after a page is chosen when the browser says it is a phone).
The navigation is a bar in the header on a wide screen (``st.navigation(position="top")``)
and a menu in the sidebar on a narrow one; after a page is chosen, the page must be in view,
not under the menu. The Audio features settings are in the page, above the plots, and a
plot stays in view while they are changed. The chart toolbar must not cover a chart's
titles. A reload (a new session) keeps the uploaded music and the view, through the URL.
Screenshots go to the test's tmp dir.
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

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "user_agent": IPHONE}
PLOTS_JS = "n => document.querySelectorAll('.js-plotly-plot').length >= n"

# Whether an element is in the viewport and is what a tap on its middle would reach (not
# the sidebar or anything else drawn over it).
_UNCOVERED_JS = """el => {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 20);
    if (r.width === 0 || y < 0 || y > window.innerHeight || x < 0 || x > window.innerWidth)
        return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (el === hit || el.contains(hit));
}"""
# The boxes of a chart's titles and of its toolbar's buttons, which a tap (a hover) shows
# over the chart's top right corner: measured where they are, shown or not.
_BOXES_JS = """chart => {
    const box = e => { const r = e.getBoundingClientRect();
                       return [r.left, r.top, r.right, r.bottom]; };
    const shown = e => { const r = e.getBoundingClientRect();
                         return r.width > 0 && r.height > 0; };
    const titles = [...chart.querySelectorAll('.gtitle, .annotation-text')]
        .filter(e => e.textContent.trim() && shown(e)).map(box);
    const bars = [...chart.querySelectorAll('.modebar-group')].filter(shown).map(box);
    return {titles, bars};
}"""


def _music(path, seconds, sr=44100):
    """Drums over a chord: music to the gate (a bare tone is not)."""
    from mgc_core.audio.signals import drum_pattern, major_chord

    y = 0.5 * drum_pattern(sr=sr, duration=seconds) + 0.5 * major_chord(sr=sr, duration=seconds)
    sf.write(path, np.stack([y, y], axis=1), sr, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def app():
    """The app and a browser, shared by the tests (each opens its own phone: a session)."""
    env = {k: v for k, v in os.environ.items() if k != "MGC_GTZAN_DIR"}
    with running_app(env=env) as url, chromium() as browser:
        yield url, browser


def _uncovered(locator) -> bool:
    return locator.evaluate(_UNCOVERED_JS)


def _sidebar_open(page) -> bool:
    sidebar = page.locator('[data-testid="stSidebar"]')
    if not sidebar.count():
        return False
    box = sidebar.bounding_box()
    return box is not None and box["x"] + box["width"] > 1


def _choose_page(page, title: str) -> None:
    """Choose a page as a phone does: open the menu, tap the page."""
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
    wait_for_app(page)
    page.wait_for_timeout(800)  # the menu's folding animation


def _upload(page, path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text("Now analysing:").wait_for(timeout=120_000)
    wait_for_app(page)


def _feature_tab(page, name: str):
    return page.locator('[data-testid="stTabs"]').get_by_role("tab", name=name, exact=True)


def test_on_a_phone_the_page_chosen_is_in_view_and_its_settings_beside_the_plots(app, tmp_path):
    url, browser = app
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    assert not _sidebar_open(page)
    _choose_page(page, "Audio features")
    page.screenshot(path=tmp_path / "01_features.png")
    assert not _sidebar_open(page)
    assert _uncovered(page.get_by_role("heading", name="Audio features", exact=True))
    assert _uncovered(page.get_by_text("Choose music", exact=True))

    page.get_by_role("tab", name="Built-in signal").click()
    page.get_by_role("button", name="Use this signal").click()
    page.get_by_text("Now analysing:").wait_for(timeout=120_000)
    wait_for_app(page)
    page.wait_for_function(PLOTS_JS, arg=2, timeout=120_000)

    # The settings are in the page: open them, change the FFT size with the keyboard.
    settings = page.locator('[data-testid="stExpander"] summary', has_text="Analysis settings")
    settings.click()
    n_fft_widget = page.locator('[data-testid="stSlider"]', has_text="FFT size")
    n_fft_widget.scroll_into_view_if_needed()
    assert _uncovered(n_fft_widget) and not _sidebar_open(page)
    n_fft = n_fft_widget.get_by_role("slider")
    n_fft.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('n_fft=4096')", timeout=60_000)
    wait_for_app(page)
    page.get_by_text(re.compile(r"FFT size 4096 · hop 512")).wait_for(timeout=60_000)
    # With the settings at the top of the screen, the plot they change is in view below.
    settings.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=tmp_path / "02_settings_open.png")
    plot = page.locator('[data-testid="stTabs"] .js-plotly-plot').first
    top = plot.evaluate("e => e.getBoundingClientRect().top")
    assert top < 844 - 100, f"the plot starts {top:.0f} px down a 844-px screen"
    assert not page.locator('[data-testid="stException"]').count()
    context.close()


def test_a_reload_keeps_the_upload_and_the_view(app, tmp_path):
    url, browser = app
    song = _music(tmp_path / "class demo.wav", 8.0)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    _choose_page(page, "Audio features")
    _upload(page, song)
    page.wait_for_function(PLOTS_JS, arg=2, timeout=120_000)
    _feature_tab(page, "MFCC").click()
    page.wait_for_function("() => location.search.includes('tab=mfcc')", timeout=60_000)
    wait_for_app(page)
    assert re.search(r"[?&]music=[0-9a-f]{32}(&|$)", page.url), page.url

    page.reload()
    wait_for_app(page)
    page.get_by_text("Now analysing:").wait_for(timeout=120_000)
    wait_for_app(page)
    page.screenshot(path=tmp_path / "03_reloaded.png")
    assert page.get_by_text("class demo.wav").count() >= 1
    assert _feature_tab(page, "MFCC").get_attribute("aria-selected") == "true"
    assert "tab=mfcc" in page.url
    assert not page.locator('[data-testid="stException"]').count()
    context.close()


def test_the_chart_toolbar_leaves_the_titles_clear(app, tmp_path):
    url, browser = app
    song = _music(tmp_path / "song.wav", 8.0)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)  # Classify
    wait_for_app(page)
    _upload(page, song)
    page.get_by_text("Why the CNN decided").wait_for(timeout=240_000)
    wait_for_app(page)
    charts = page.locator(".js-plotly-plot")
    page.wait_for_function(  # 4 bar charts, 4 timelines, the occlusion map
        PLOTS_JS, arg=9, timeout=120_000)
    checked = 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        boxes = chart.evaluate(_BOXES_JS)
        if not boxes["titles"] or not boxes["bars"]:
            continue
        checked += 1
        for t in boxes["titles"]:
            for b in boxes["bars"]:
                apart = t[2] <= b[0] or b[2] <= t[0] or t[3] <= b[1] or b[3] <= t[1]
                if not apart:
                    page.screenshot(path=tmp_path / f"overlap_{i}.png")
                assert apart, (i, t, b)
    assert checked >= 5  # the timelines and the occlusion map at least
    page.screenshot(path=tmp_path / "04_classify.png")
    context.close()
