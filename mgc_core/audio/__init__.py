"""Audio in: the one door through which music enters mgc.

:mod:`~mgc_core.audio.load`
    :func:`load_audio` decodes a path, bytes or an upload into a checked, mono
    :class:`Audio` (decoders in :mod:`mgc_core.audio._decode`), and
    :func:`to_wav_bytes` turns one back into a playable WAV.
:mod:`~mgc_core.audio.signals`
    Built-in teaching signals (sine, chord, chirp, noise, click track, ...).
:mod:`~mgc_core.audio.uploads`
    Checks of an upload's name, size and extension before any decoding.

Decoding stays here, below analysis: nothing else in the library opens a file of audio.
"""

from __future__ import annotations

from mgc_core.audio.load import (
    DEFAULT_MAX_SECONDS,
    DEFAULT_SR,
    MIN_SECONDS,
    SUPPORTED_EXTENSIONS,
    Audio,
    load_audio,
    to_wav_bytes,
)

__all__ = [
    "Audio",
    "load_audio",
    "to_wav_bytes",
    "SUPPORTED_EXTENSIONS",
    "DEFAULT_SR",
    "DEFAULT_MAX_SECONDS",
    "MIN_SECONDS",
]
