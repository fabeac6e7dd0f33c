"""Shared fixtures: synthesise audio in memory, in any format soundfile or PyAV can write."""

from __future__ import annotations

import io
from types import SimpleNamespace

import av
import numpy as np
import pytest
import soundfile as sf

_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


def _tone(seconds: float, sr: int, *, freq: float = 440.0, amp: float = 0.5, channels: int = 1):
    """A sine of shape (n, channels), float32."""
    t = np.arange(round(seconds * sr)) / sr
    y = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(y[:, None], channels, axis=1)


def _sf_bytes(y: np.ndarray, sr: int, *, format: str, subtype: str | None = None) -> bytes:
    """Encode with soundfile (libsndfile) into memory."""
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=format, subtype=subtype)
    return buf.getvalue()


def _av_bytes(
    y: np.ndarray | None,
    sr: int,
    *,
    container: str,
    codec: str | None,
    video: bool = False,
    bit_rate: int | None = None,
) -> bytes:
    """Encode with PyAV (bundled FFmpeg) into memory; ``codec=None`` writes no audio."""
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        if codec is not None:
            y = np.asarray(y, dtype=np.float32)
            y = y[:, None] if y.ndim == 1 else y
            layout = _LAYOUTS[y.shape[1]]
            astream = out.add_stream(codec, rate=sr)
            astream.layout = layout
            if bit_rate:
                astream.bit_rate = bit_rate
        if video:
            vstream = out.add_stream("mpeg4", rate=10)
            vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        if codec is not None:
            planar = np.ascontiguousarray(y.T)
            for i in range(0, planar.shape[1], 4096):
                chunk = np.ascontiguousarray(planar[:, i : i + 4096])
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
                frame.sample_rate, frame.pts = sr, i
                for packet in astream.encode(frame):
                    out.mux(packet)
            for packet in astream.encode(None):
                out.mux(packet)
        if video:
            image = np.zeros((48, 64, 3), np.uint8)
            for i in range(20):
                vframe = av.VideoFrame.from_ndarray(image, format="rgb24")
                vframe.pts = i
                for packet in vstream.encode(vframe):
                    out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="session")
def synth() -> SimpleNamespace:
    """Helpers ``tone(seconds, sr, ...)``, ``sf_bytes(y, sr, ...)``, ``av_bytes(y, sr, ...)``."""
    return SimpleNamespace(tone=_tone, sf_bytes=_sf_bytes, av_bytes=_av_bytes)
