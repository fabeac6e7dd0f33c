"""The app asks nothing of the internet: every request from every page stays on this machine.

Starts the app with ``streamlit run``, visits each page of the navigation in Debian's
headless Chromium (and, on Audio features, draws a built-in signal's plots) and records
every request and WebSocket the pages open, with Playwright's ``page.on("request")``.
Each must go to the app's own host (127.0.0.1 or localhost) or be inline (``data:``,
``blob:``). A page icon such as ``":material/library_music:"`` used to make the browser
fetch the favicon from fonts.gstatic.com.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

if shutil.which("chromium") is None:  # `make test` installs it; a bare pytest may lack it
    pytest.skip("Debian's chromium is not installed (make test installs it)",
                allow_module_level=True)

from browser import chromium, running_app, wait_for_app  # noqa: E402

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
INLINE_SCHEMES = {"data", "blob"}


def leaves_the_machine(url: str) -> bool:
    """Whether a request to ``url`` would go anywhere but this machine."""
    parts = urlsplit(url)
    return parts.scheme not in INLINE_SCHEMES and parts.hostname not in LOCAL_HOSTS


def test_the_rule_itself():
    assert not leaves_the_machine("http://127.0.0.1:8501/_stcore/health")
    assert not leaves_the_machine("ws://localhost:8501/_stcore/stream")
    assert not leaves_the_machine("data:image/svg+xml;base64,PHN2Zz4=")
    assert not leaves_the_machine("blob:http://127.0.0.1:8501/1234")
    assert leaves_the_machine("https://fonts.gstatic.com/s/i/short-term/release/"
                              "materialsymbolsrounded/library_music/default/24px.svg")
    assert leaves_the_machine("https://127.0.0.1.evil.example/")


def test_no_page_makes_a_request_that_leaves_the_machine(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MGC_GTZAN_DIR"}
    requests: list[tuple[str, str]] = []  # (page, url)
    visiting = ["start"]
    with running_app(env=env) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        page = context.new_page()
        page.on("request", lambda r: requests.append((visiting[0], r.url)))
        page.on("websocket", lambda ws: requests.append((visiting[0], ws.url)))
        page.goto(url)
        wait_for_app(page)
        # The pages' links, in the header's navigation (or a sidebar's, on a narrow screen).
        links = page.locator('[data-testid="stTopNav"] a, [data-testid="stSidebarNav"] a')
        hrefs = list(dict.fromkeys(links.nth(i).get_attribute("href")
                                   for i in range(links.count())))
        assert len(hrefs) == 6, hrefs  # Classify, Audio features, Models, Dataset, Lab, About
        for href in hrefs:
            visiting[0] = href
            page.goto(href if "://" in href else url + "/" + href.lstrip("/"))
            wait_for_app(page)
            page.wait_for_timeout(2000)  # late icons, fonts and figures
            assert not page.locator('[data-testid="stException"]').count(), href
            if href.rstrip("/").endswith("features"):  # plots, audio player, images
                page.get_by_role("tab", name="Built-in signal").click()
                page.get_by_role("button", name="Use this signal").click()
                page.get_by_text("Now analysing:").wait_for(timeout=120_000)
                wait_for_app(page)
                page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
                page.wait_for_timeout(2000)
        favicon = page.locator("link[rel='shortcut icon']").get_attribute("href")
        context.close()
    assert {p for p, _ in requests} >= set(hrefs)  # every page was recorded
    away = sorted({f"{p}: {u[:120]}" for p, u in requests if leaves_the_machine(u)})
    assert away == [], "requests that leave the machine:\n" + "\n".join(away)
    assert favicon.startswith("data:image/svg+xml"), favicon[:80]  # ui/icon.svg, inline
