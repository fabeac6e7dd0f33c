"""Run the real app with ``streamlit run`` and drive it in Debian's headless Chromium.

Used by the end-to-end test and by ``make screenshots``. Playwright is only the driver:
it launches ``/usr/bin/chromium`` (``executable_path``) and downloads no browser.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(*, env: dict[str, str] | None = None, timeout: float = 90.0,
                script: str | os.PathLike | None = None) -> Iterator[str]:
    """Start ``streamlit run`` on a free port; yield its URL; stop it.

    ``script`` defaults to the app (``streamlit_app.py``); another script (a test's own
    small app) runs with the repository importable. The server's output goes to a
    temporary log file, never to an unread pipe (a full pipe would stall the server); its
    end is shown when the server exits early.
    """
    import tempfile

    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script or ROOT / "streamlit_app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        # No source watching: another test worker writing files (bytecode, caches) would
        # otherwise overflow inotify and make the server re-import modules mid-test.
        "--server.fileWatcherType", "none",
    ]
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT),
                                                            full_env.get("PYTHONPATH")]))
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    out = log.read().decode(errors="replace")[-5000:]
                    raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{out}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def chromium(*, extra_args: list[str] | None = None) -> Iterator[object]:
    """Yield a Playwright browser on Debian's headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + (extra_args or [])
        )
        try:
            yield browser
        finally:
            browser.close()


def wait_for_app(page, *, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' indicator)."""
    page.wait_for_selector('[data-testid="stApp"] h1', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const s = document.querySelector('[data-testid="stStatusWidget"]');
            return !s || !s.innerText.includes('Running');
        }""",
        timeout=timeout_ms,
    )


# --------------------------------------------------------------------------- async driving
# The async API lets one browser drive several pages at once (asyncio.gather); a sync
# Playwright instance must not be shared between threads.

_APP_IDLE_JS = """() => {
    const s = document.querySelector('[data-testid="stStatusWidget"]');
    return !s || !s.innerText.includes('Running');
}"""


@contextlib.asynccontextmanager
async def async_chromium(*, extra_args: list[str] | None = None):  # noqa: ANN201
    """Yield an async Playwright browser on Debian's headless Chromium."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + (extra_args or [])
        )
        try:
            yield browser
        finally:
            await browser.close()


async def async_wait_for_app(page, *, timeout_ms: int = 120_000) -> None:  # noqa: ANN001
    """:func:`wait_for_app` for an async Playwright page."""
    await page.wait_for_selector('[data-testid="stApp"] h1', timeout=timeout_ms)
    await page.wait_for_function(_APP_IDLE_JS, timeout=timeout_ms, polling=250)


# --------------------------------------------------------------------------- server probe
# A ``sitecustomize`` put on the server's PYTHONPATH (only there): it sends the server's
# stdout and stderr to a log file, so nothing blocks on the pipe ``running_app`` never
# reads, and it records, through an audit hook, every opening of a file under a folder
# (e.g. ``assets/models``) with the thread and Streamlit session that opened it, and
# whether the opening was a checksum in ``mgc_core/assets.py`` rather than a load; and
# four times a second it writes down the server's live threads (by name) and CPU time.
_PROBE_SITECUSTOMIZE = r'''
import json, os, sys, threading, time

_log = open(os.environ["MGC_PROBE_SERVER_LOG"], "ab", buffering=0)
os.dup2(_log.fileno(), 1)
os.dup2(_log.fileno(), 2)
_UNDER = os.path.realpath(os.environ["MGC_PROBE_OPENS_UNDER"]) + os.sep
_OUT = open(os.environ["MGC_PROBE_OPENS_LOG"], "a", buffering=1)
_LOCK = threading.Lock()


def _session_id():
    mod = sys.modules.get("streamlit.runtime.scriptrunner")
    ctx = mod.get_script_run_ctx(suppress_warning=True) if mod else None
    return getattr(ctx, "session_id", None)


def _hook(event, args):
    if event != "open" or not args or isinstance(args[0], int):
        return
    try:
        path = os.path.realpath(os.fsdecode(args[0]))
    except (TypeError, ValueError):
        return
    if not path.startswith(_UNDER):
        return
    frames, f = [], sys._getframe(1)
    while f is not None:
        frames.append(f.f_code)
        f = f.f_back
    thread = threading.current_thread()
    record = {
        "path": path[len(_UNDER):],
        "thread": thread.name,
        "thread_id": threading.get_native_id(),
        "session": _session_id(),
        "checksum": any(c.co_filename.endswith(os.path.join("mgc_core", "assets.py"))
                        for c in frames),
        "via": next((c.co_name for c in frames if os.sep + "mgc_core" + os.sep in c.co_filename),
                    None),
    }
    with _LOCK:
        _OUT.write(json.dumps(record) + "\n")


sys.addaudithook(_hook)


def _list_threads():
    path = os.environ["MGC_PROBE_THREADS"]
    while True:
        names = sorted(t.name for t in threading.enumerate())
        with open(path + ".tmp", "w") as fh:
            json.dump({"time": time.time(), "cpu_s": time.process_time(), "threads": names}, fh)
        os.replace(path + ".tmp", path)
        time.sleep(0.25)


threading.Thread(target=_list_threads, name="mgc-probe", daemon=True).start()
'''


def server_probe(folder: Path, *, opens_under: str | os.PathLike) -> dict[str, str]:
    """Write the probe into ``folder``; return the environment that makes a server use it.

    Pass the result to :func:`running_app` (``env=``). Afterwards
    ``folder / "server.log"`` holds the server's output and :func:`probed_opens` the
    openings of files under ``opens_under``, one dict each: ``path`` (relative),
    ``thread``, ``thread_id``, ``session`` (Streamlit session id, None outside a script
    run), ``checksum`` (opened by ``mgc_core/assets.py``) and ``via`` (innermost
    ``mgc_core`` function); :func:`probed_state` its live threads and CPU time.
    """
    folder = Path(folder)
    (folder / "site").mkdir(parents=True, exist_ok=True)
    (folder / "site" / "sitecustomize.py").write_text(_PROBE_SITECUSTOMIZE)
    python_path = os.pathsep.join(
        p for p in (str(folder / "site"), os.environ.get("PYTHONPATH", "")) if p
    )
    return {
        "PYTHONPATH": python_path,
        "MGC_PROBE_SERVER_LOG": str(folder / "server.log"),
        "MGC_PROBE_OPENS_UNDER": str(opens_under),
        "MGC_PROBE_OPENS_LOG": str(folder / "opens.jsonl"),
        "MGC_PROBE_THREADS": str(folder / "threads.json"),
    }


def probed_opens(folder: Path) -> list[dict]:
    """The openings recorded by the probe written with :func:`server_probe`."""
    import json

    log = Path(folder) / "opens.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def probed_state(folder: Path) -> dict:
    """The server's state as the probe last wrote it down.

    Returns
    -------
    dict
        ``time`` (``time.time()`` when written; 0 before the first time), ``cpu_s``
        (the server process's CPU time, ``time.process_time()``) and ``threads`` (the
        names of its live threads).
    """
    import json

    try:
        return json.loads((Path(folder) / "threads.json").read_text())
    except (OSError, ValueError):  # not written yet (the file is replaced whole, never torn)
        return {"time": 0.0, "cpu_s": 0.0, "threads": []}
