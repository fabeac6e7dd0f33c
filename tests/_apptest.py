"""Helpers for the AppTest page tests: run pages, read plotly figures back as data."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 120  # TensorFlow and librosa make first runs slow on a 2-core machine


def app_on(page: str) -> AppTest:
    """Return an AppTest of the whole app, switched to ``pages/<page>.py`` and run."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    return at


def _decode(value):
    """Decode plotly's base64 typed arrays (``{"dtype", "bdata"}``) into numpy."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            dims = [int(s) for s in str(shape).split(",")]
            arr = arr.reshape(dims)
        return arr
    if isinstance(value, list):
        return np.asarray(value) if value and not isinstance(value[0], dict) else value
    return value


def figures(at: AppTest) -> dict[str, dict]:
    """Return every plotly chart on the page, by its widget key, as ``{"data", "layout"}``.

    Trace arrays are decoded to numpy arrays.
    """
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        key = element.proto.id.rsplit("-", 1)[-1]
        traces = [{k: _decode(v) for k, v in trace.items()} for trace in spec["data"]]
        out[key] = {"data": traces, "layout": spec.get("layout", {})}
    return out


def messages(at: AppTest, kind: str) -> list[str]:
    """Return the texts of every ``st.<kind>`` element (error, warning, info, ...)."""
    return [el.value for el in getattr(at, kind)]
