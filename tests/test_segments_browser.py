"""Stepping through segments with the keyboard keeps up (Classify, real Chromium).

Quick arrow presses on Streamlit's segment slider once left the slider at one segment
while the page showed another: that slider sends a keyboard step to Python only when it
loses focus. The segment stepper (``ui/stepper``) shows each press at once and sends the
last one. After a burst of presses (arrow keys on its slider, then clicks on its buttons)
the stepper's label, the "Segment …" heading and the CNN's "In segment …" line must all
name the same segment: the one the presses lead to.
"""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(400)]

if shutil.which("chromium") is None:  # `make test` installs it; a bare pytest may lack it
    pytest.skip("Debian's chromium is not installed (make test installs it)",
                allow_module_level=True)

from browser import chromium, running_app, wait_for_app  # noqa: E402

_PAGE_JS = """() => {
    const text = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
        .map(e => e.innerText.trim());
    return {
        heading: text.find(t => t.startsWith('Segment ')) ?? null,
        cnn: text.find(t => t.startsWith('In segment ')) ?? null,
    };
}"""


def _settled(page, label: str) -> dict:  # noqa: ANN001 - a Playwright page
    """What the stepper and the page show once the page has caught up with ``label``.

    Waits (up to 2 minutes) for the page's heading and CNN line to name ``label``: a
    fragment's rerun does not show Streamlit's "Running" indicator, so that cannot be
    waited for, and a loaded machine takes seconds. A choice lost on the way, or a page
    that shows another segment than the stepper, never gets there and fails.
    """
    page.wait_for_function(
        """(label) => {
            const text = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
                .map(e => e.innerText.trim());
            return text.includes(`Segment ${label}`)
                && text.some(t => t.startsWith(`In segment ${label}`));
        }""", arg=label, timeout=120_000, polling=200)
    page.wait_for_timeout(700)  # past the stepper's 250-ms wait: nothing more is sent
    stepper = page.frame_locator('iframe[title*="stepper"]')
    shown = page.evaluate(_PAGE_JS)
    shown["stepper"] = stepper.locator("#label").inner_text()
    shown["aria"] = stepper.locator("#range").get_attribute("aria-valuetext")
    return shown


def _agree(shown: dict, label: str) -> None:
    assert shown["stepper"] == shown["aria"] == label, shown
    assert shown["heading"] == f"Segment {label}", shown
    assert shown["cnn"] and shown["cnn"].startswith(f"In segment {label}"), shown


def test_quick_presses_end_on_one_segment_everywhere():
    with running_app() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(url)
        wait_for_app(page)
        page.get_by_role("tab", name="Built-in signal").click()
        page.locator('input[type="range"][aria-label="Length (s)"]').focus()
        for _ in range(22):  # 8 s -> 30 s: ten segments
            page.keyboard.press("ArrowRight")
        page.get_by_role("button", name="Use this signal").click()
        page.get_by_text("Genre over time").wait_for(timeout=180_000)
        wait_for_app(page)
        stepper = page.frame_locator('iframe[title*="stepper"]')
        stepper.locator("#range:enabled").wait_for()  # enabled by Python's first render
        stepper.locator("#range").focus()
        for _ in range(6):  # faster than a rerun
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(40)
        _agree(_settled(page, "18–21 s"), "18–21 s")  # segment 6 of 0..9

        for _ in range(2):
            page.keyboard.press("ArrowLeft")
            page.wait_for_timeout(30)
        _agree(_settled(page, "12–15 s"), "12–15 s")

        for _ in range(3):  # the buttons, clicked quickly
            stepper.locator("#next").click()
        _agree(_settled(page, "21–24 s"), "21–24 s")
