"""What flips it? Change the music in one way, classify it again, see who changes their mind.

A model that calls a song *rock* may be listening to the drums, to the guitar's pitch, to
the tempo or to the hiss of the recording. Changing one thing at a time and asking again
shows what its answer rests on:

============  =====================================================================
``phone``     Band-limited to a telephone's 300-3400 Hz (:func:`phone_band`).
``pitch``     Every note moved up or down by some semitones, same tempo (:func:`pitch_shift`).
``tempo``     Faster or slower, same pitch (:func:`time_stretch`).
``harmonic``  The harmonic (sustained) part only: drums removed (:func:`harmonic_only`).
``percussive``  The percussive part only: drums and attacks (:func:`percussive_only`).
``noise``     White noise added at a chosen signal-to-noise ratio (:func:`add_noise`).
============  =====================================================================

:func:`what_flips` classifies the original and each changed version with the same models
(:func:`mgc_core.analysis.classify.classify`) and returns a :class:`Flips`: per model the
original and the new genre, the ensemble's verdict and the gate's kind of sound.

Long music is judged on an excerpt of at most :data:`EXCERPT_S` seconds (the first 30 s
unless another start is chosen, :func:`excerpt`): each version is classified in full, so
a 10-minute song stays as quick as a 30-second one. :attr:`Flips.note` says so.

Examples
--------
>>> from mgc_core.audio.signals import sine
>>> y = sine(freq=440.0, sr=22050, duration=1.0)
>>> pitch_shift(y, sr=22050, semitones=12).shape
(22050,)
>>> round(snr_db(y, add_noise(y, snr_db=20.0, seed=0)), 1)
20.0
>>> flips = what_flips(Audio(y, sr=22050), load_models(["knn"]),   # doctest: +SKIP
...                    [Transform("phone"), Transform("noise", 10.0)])
>>> flips.changed()                                                   # doctest: +SKIP
{'phone': {'knn': False, 'ensemble': False}, 'noise (10 dB)': {...}}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.analysis.classify import Result
    from mgc_core.audio import Audio
    from mgc_core.models.base import GenreModel

__all__ = [
    "EXCERPT_S", "PHONE_BAND", "KINDS", "TransformSpec", "Transform", "Version", "Flips",
    "phone_band", "pitch_shift", "time_stretch", "harmonic_only", "percussive_only",
    "add_noise", "snr_db", "excerpt", "what_flips",
]

#: Most seconds of music that :func:`what_flips` classifies in each version.
EXCERPT_S = 30.0
#: A telephone's pass band (Hz).
PHONE_BAND = (300.0, 3400.0)
_SR_RANGE = (4000, 192000)
_SEMITONES = (-12.0, 12.0)
_RATE = (0.5, 2.0)
_SNR = (-10.0, 60.0)
_PHONE_ORDER = 6


# --------------------------------------------------------------------------- checks


def _number(name: str, value: Any, low: float, high: float, unit: str, hint: str = "") -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number ({unit}); got {value!r}.")
    value = float(value)
    if not (math.isfinite(value) and low <= value <= high):
        raise ParameterError(
            f"{name} must be from {low:g} to {high:g} {unit}; got {value:g}.{hint}")
    return value


def _samples(y: Any, sr: Any) -> tuple[np.ndarray, int]:
    """``y`` as finite float32 mono samples and ``sr`` as an int, or a ParameterError."""
    if isinstance(sr, (bool, np.bool_)) or not isinstance(sr, (int, np.integer)):
        raise ParameterError(f"sr must be an integer sample rate in Hz; got {sr!r}.")
    if not _SR_RANGE[0] <= sr <= _SR_RANGE[1]:
        raise ParameterError(
            f"sr must be from {_SR_RANGE[0]} to {_SR_RANGE[1]} Hz; got {sr}.")
    arr = np.asarray(y)
    if arr.dtype.kind != "f" or arr.ndim != 1:
        raise ParameterError(
            "y must be mono audio, a 1-D array of floating-point samples; got dtype "
            f"{arr.dtype} and shape {arr.shape} (mix channels down with y.mean(axis=0), "
            "convert integer PCM with y.astype(np.float32) / 32768).")
    if arr.size == 0:
        raise ParameterError("y is empty: there is no audio to change.")
    if not np.isfinite(arr).all():
        raise ParameterError("y must hold finite samples (clean it with np.nan_to_num(y)).")
    return np.ascontiguousarray(arr, dtype=np.float32), int(sr)


# --------------------------------------------------------------------------- transforms


def phone_band(y: np.ndarray, *, sr: int) -> np.ndarray:
    """The audio as a telephone passes it: only 300-3400 Hz (:data:`PHONE_BAND`).

    A zero-phase Butterworth band-pass (order 6, applied forwards and backwards with
    ``scipy.signal.sosfiltfilt``): the deep bass (kick drum, bass guitar) and the
    brilliance (cymbals) go; voices and most melodies stay.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    sr : int
        At least 8000 Hz (the band must fit below ``sr / 2``).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
    """
    from scipy.signal import butter, sosfiltfilt

    y, sr = _samples(y, sr)
    low, high = PHONE_BAND
    if high >= 0.95 * sr / 2:
        raise ParameterError(
            f"The phone band reaches {high:g} Hz, which needs a sample rate above "
            f"{2 * high / 0.95:.0f} Hz; got sr={sr}.")
    sos = butter(_PHONE_ORDER, [low, high], btype="bandpass", fs=sr, output="sos")
    pad = min(len(y) - 1, 3 * (2 * len(sos) + 1))  # scipy's default, shortened for short y
    return sosfiltfilt(sos, y, padlen=pad).astype(np.float32)


def pitch_shift(y: np.ndarray, *, sr: int, semitones: float) -> np.ndarray:
    """Every note moved by ``semitones`` (-12 to 12; 12 is an octave), the tempo kept.

    ``librosa.effects.pitch_shift`` (a phase-vocoder time stretch, then resampling).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
    """
    import librosa

    y, sr = _samples(y, sr)
    steps = _number("semitones", semitones, *_SEMITONES, "semitones",
                    " 12 semitones is an octave.")
    if steps == 0:
        return y.copy()
    return librosa.effects.pitch_shift(y, sr=sr, n_steps=steps).astype(np.float32)


def time_stretch(y: np.ndarray, *, sr: int, rate: float) -> np.ndarray:
    """The music played ``rate`` times as fast (0.5 to 2), the pitch kept.

    ``librosa.effects.time_stretch`` (phase vocoder). ``sr`` is only checked: the length
    becomes about ``n / rate``.

    Returns
    -------
    np.ndarray [shape=(round(n / rate),), dtype=float32]
    """
    import librosa

    y, sr = _samples(y, sr)
    rate = _number("rate", rate, *_RATE, "times the original tempo",
                   " 1.25 is a quarter faster, 0.8 a fifth slower.")
    if rate == 1.0:
        return y.copy()
    return librosa.effects.time_stretch(y, rate=rate).astype(np.float32)


def harmonic_only(y: np.ndarray, *, sr: int) -> np.ndarray:
    """The harmonic (sustained) part: the drums and other attacks removed.

    :func:`mgc_core.features.hpss` (median-filtering separation); ``sr`` is only checked.
    """
    from mgc_core.features import hpss

    y, sr = _samples(y, sr)
    return hpss(y)[0]


def percussive_only(y: np.ndarray, *, sr: int) -> np.ndarray:
    """The percussive part: drums and attacks, the sustained notes removed.

    :func:`mgc_core.features.hpss`; ``sr`` is only checked.
    """
    from mgc_core.features import hpss

    y, sr = _samples(y, sr)
    return hpss(y)[1]


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio (dB) of ``noisy`` against ``clean`` (the same length)."""
    clean = np.asarray(clean, dtype=np.float64)
    noise = np.asarray(noisy, dtype=np.float64) - clean
    return 10.0 * math.log10(float(np.mean(clean**2)) / float(np.mean(noise**2)))


def add_noise(y: np.ndarray, *, snr_db: float, seed: int = 0) -> np.ndarray:
    """White noise added so that the signal-to-noise ratio is exactly ``snr_db`` dB.

    The noise's power is the signal's mean power divided by ``10 ** (snr_db / 10)``
    (measured over the whole of ``y``): at 0 dB the noise is as loud as the music, at
    20 dB a hundred times weaker in power. Not clipped: peaks may pass 1.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    snr_db : float
        -10 to 60 dB.
    seed : int
        Seed of the noise.

    Raises
    ------
    ParameterError
        On a bad parameter, or when ``y`` is silent (no signal to compare the noise with).
    """
    y, _ = _samples(y, _SR_RANGE[0])
    snr = _number("snr_db", snr_db, *_SNR, "dB", " 0 dB: noise as loud as the music.")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ParameterError(f"seed must be an integer; got {seed!r}.")
    power = float(np.mean(y.astype(np.float64) ** 2))
    if power <= 1e-12:
        raise ParameterError(
            "The audio is silent, so a signal-to-noise ratio has no meaning: choose some "
            "music before adding noise.")
    noise = np.random.default_rng(int(seed)).standard_normal(len(y))
    noise *= math.sqrt(power / 10 ** (snr / 10) / float(np.mean(noise**2)))
    return (y + noise).astype(np.float32)


# --------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class TransformSpec:
    """One kind of change, for the pages.

    Attributes
    ----------
    kind : str
    title : str
        A short name ("Phone line").
    explain : str
        One sentence for a classroom: what is changed and what it tests.
    amount : str or None
        The setting's name ("semitones"), or None when there is none.
    default, low, high, step : float
        The setting's default and range.
    """

    kind: str
    title: str
    explain: str
    amount: str | None = None
    default: float = 0.0
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0


_SPECS = (
    TransformSpec("phone", "Phone line (300–3400 Hz)",
                  "Keeps only what a telephone passes: no deep bass, no cymbals. Does the "
                  "model need the low end or the sparkle?"),
    TransformSpec("pitch", "Pitch shift",
                  "Moves every note up or down, keeping the tempo. Does the model listen "
                  "to the key and the register?",
                  "semitones", 2.0, *_SEMITONES, 1.0),
    TransformSpec("tempo", "Tempo change",
                  "Plays it faster or slower, keeping the pitch. Does the model care about "
                  "speed?", "rate", 1.25, *_RATE, 0.05),
    TransformSpec("harmonic", "Harmonic part only (drums removed)",
                  "Removes the drums and other short attacks. Does the model rely on the "
                  "beat?"),
    TransformSpec("percussive", "Percussive part only (drums)",
                  "Keeps only the drums and attacks, no melody or chords. Is the beat alone "
                  "enough?"),
    TransformSpec("noise", "Added noise",
                  "Adds hiss at the chosen signal-to-noise ratio (lower is noisier). How "
                  "robust is the model to a bad recording?", "snr_db", 10.0, *_SNR, 1.0),
)
#: Every kind of change, by kind.
KINDS: Mapping[str, TransformSpec] = {s.kind: s for s in _SPECS}


@dataclass(frozen=True)
class Transform:
    """One change to make: a kind of :data:`KINDS` and its setting (hashable).

    Examples
    --------
    >>> Transform("pitch", 2).label
    'Pitch +2 semitones'
    >>> Transform("phone").label
    'Phone line (300–3400 Hz)'
    """

    kind: str
    amount: float | None = None

    def __post_init__(self) -> None:
        spec = KINDS.get(self.kind)
        if spec is None:
            raise ParameterError(
                f"Unknown transform {self.kind!r}; choose one of {', '.join(KINDS)}.")
        if spec.amount is None:
            if self.amount is not None:
                raise ParameterError(f"The {self.kind} transform takes no setting; got "
                                     f"{self.amount!r}.")
            return
        amount = spec.default if self.amount is None else self.amount
        object.__setattr__(self, "amount", _number(spec.amount, amount, spec.low, spec.high,
                                                   _UNITS[spec.amount]))

    @property
    def label(self) -> str:
        """A short name with the setting ("Pitch +2 semitones", "Noise at 10 dB SNR")."""
        a = self.amount
        if self.kind == "pitch":
            return f"Pitch {a:+g} semitone{'' if abs(a) == 1 else 's'}"
        if self.kind == "tempo":
            return f"Tempo ×{a:g}"
        if self.kind == "noise":
            return f"Noise at {a:g} dB SNR"
        return KINDS[self.kind].title

    def apply(self, y: np.ndarray, *, sr: int, seed: int = 0) -> np.ndarray:
        """The changed samples of ``y`` (see the function of each kind)."""
        if self.kind == "pitch":
            return pitch_shift(y, sr=sr, semitones=self.amount)
        if self.kind == "tempo":
            return time_stretch(y, sr=sr, rate=self.amount)
        if self.kind == "noise":
            _samples(y, sr)
            return add_noise(y, snr_db=self.amount, seed=seed)
        return _PLAIN[self.kind](y, sr=sr)


_UNITS = {"semitones": "semitones", "rate": "times the original tempo", "snr_db": "dB"}
_PLAIN: Mapping[str, Callable[..., np.ndarray]] = {
    "phone": phone_band, "harmonic": harmonic_only, "percussive": percussive_only,
}


# --------------------------------------------------------------------------- what flips


def excerpt(audio: Audio, *, start_s: float = 0.0, seconds: float = EXCERPT_S
            ) -> tuple[Audio, str]:
    """At most ``seconds`` of ``audio`` from ``start_s``, and a sentence that says which.

    Returns
    -------
    Audio
        ``audio`` itself when it is short enough (and ``start_s`` is 0).
    str
        ``""`` for the whole audio, else e.g. "Judged on 30 s of the 600 s, from 0:00 to
        0:30 ...".
    """
    from mgc_core.audio import Audio

    if not isinstance(audio, Audio):
        raise ParameterError(
            f"Need an Audio (from mgc_core.audio.load_audio); got {type(audio).__name__}.")
    seconds = _number("seconds", seconds, 1.0, 600.0, "seconds")
    start_s = _number("start_s", start_s, 0.0, max(0.0, audio.duration), "seconds",
                      " It must lie inside the audio.")
    if start_s == 0 and audio.duration <= seconds:
        return audio, ""
    start_s = min(start_s, max(0.0, audio.duration - seconds))
    i0 = int(round(start_s * audio.sr))
    i1 = min(audio.samples.shape[0], i0 + int(round(seconds * audio.sr)))
    part = Audio(audio.samples[i0:i1], sr=audio.sr, original_format=audio.original_format,
                 original_sr=audio.original_sr)

    def clock(t: float) -> str:
        return f"{int(t // 60)}:{int(t % 60):02d}"

    note = (f"Judged on {part.duration:.0f} s of the {audio.duration:.0f} s, from "
            f"{clock(start_s)} to {clock(start_s + part.duration)}: each version is "
            "classified in full, so a shorter stretch keeps it quick.")
    return part, note


@dataclass(frozen=True, eq=False)
class Version:
    """The original or one changed version of the excerpt, and its classification.

    Attributes
    ----------
    label : str
        "Original", or the :attr:`Transform.label`.
    transform : Transform or None
        None for the original.
    samples : np.ndarray [shape=(n,), dtype=float32] or None
        The audio classified (None when the change could not be made).
    sr : int
    result : Result or None
        None when the change could not be made.
    error : str
        Why the change could not be made ("" when it was).
    """

    label: str
    transform: Transform | None
    samples: np.ndarray | None
    sr: int
    result: Result | None
    error: str = ""


@dataclass(frozen=True, eq=False)
class Flips:
    """The original excerpt and every changed version, classified by the same models.

    Attributes
    ----------
    original : Version
    versions : tuple of Version
        One per transform, in the order asked.
    models : tuple of str
        The models run, in order.
    note : str
        Which stretch was judged ("" for the whole audio).
    """

    original: Version
    versions: tuple[Version, ...]
    models: tuple[str, ...]
    note: str = ""

    def genres(self) -> dict[str, dict[str, str]]:
        """``{column: {row: genre}}``: columns "Original" and each version's label; rows
        each model, ``"ensemble"`` and ``"gate"`` (the kind of sound: music, speech, ...).
        A version that could not be made has ``""`` everywhere."""
        return {v.label: _column(v.result, self.models)
                for v in (self.original, *self.versions)}

    def changed(self) -> dict[str, dict[str, bool]]:
        """``{version label: {row: whether it differs from the original}}`` (rows as
        :meth:`genres`; False for a version that could not be made)."""
        base = _column(self.original.result, self.models)
        return {v.label: {row: bool(v.result is not None and g != base[row])
                          for row, g in _column(v.result, self.models).items()}
                for v in self.versions}

    def summary(self, version: Version) -> str:
        """One sentence on ``version`` for a classroom."""
        if version.result is None:
            return f"{version.label}: could not be made ({version.error})"
        flips = self.changed()[version.label]
        moved = [m for m in self.models if flips[m]]
        verdict = version.result.genre
        n = len(self.models)
        who = ("no model changes its mind" if not moved else
               f"{len(moved)} of {n} model{'s' if n != 1 else ''} "
               + ("changes its mind" if len(moved) == 1 else "change their minds"))
        tail = (f"the verdict flips from {self.original.result.genre} to {verdict}"
                if flips["ensemble"] else f"the verdict stays {verdict}")
        gate = ""
        if flips["gate"] and version.result.content is not None:
            gate = f"; it no longer sounds like music but like {version.result.content.kind}" \
                if not version.result.content.is_music else "; it now sounds like music"
        return f"{version.label}: {who}, {tail}{gate}."


def _column(result: Result | None, models: tuple[str, ...]) -> dict[str, str]:
    if result is None:
        return {**{m: "" for m in models}, "ensemble": "", "gate": ""}
    gate = result.content.kind if result.content is not None else ""
    return {**{m: result.models[m].genre for m in models}, "ensemble": result.genre,
            "gate": gate}


def what_flips(
    audio: Audio,
    loaded: Mapping[str, GenreModel],
    transforms: Iterable[Transform],
    *,
    start_s: float = 0.0,
    seconds: float = EXCERPT_S,
    original: Result | None = None,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
    assets_dir: Any = None,
) -> Flips:
    """Classify the excerpt of ``audio`` and each changed version of it with ``loaded``.

    Parameters
    ----------
    audio : Audio
    loaded : mapping of str to GenreModel
        The models to ask (:func:`mgc_core.analysis.classify.load_models`, or the app's).
    transforms : iterable of Transform
        The changes, in order (repeats dropped).
    start_s, seconds : float
        The excerpt judged (:func:`excerpt`).
    original : Result, optional
        The original's result with the same models, reused when the excerpt is the whole
        audio (saves one classification).
    seed : int
        Seed of the added noise.
    progress : callable ``(label, done, total)``, optional
        Called after each version is classified (the original first).
    assets_dir : path-like, optional
        Passed to :func:`~mgc_core.analysis.classify.classify` (the ensemble's weights).

    Returns
    -------
    Flips

    Raises
    ------
    ParameterError
        On bad input (not an Audio, empty audio, no models, an unknown transform). A
        change that cannot be made on this audio (noise on silence) is reported in its
        :class:`Version` instead.
    AssetError
        As :func:`~mgc_core.analysis.classify.classify`.
    """
    from mgc_core.analysis.classify import classify
    from mgc_core.audio import Audio

    if not isinstance(audio, Audio):
        raise ParameterError(
            f"what_flips needs an Audio (from mgc_core.audio.load_audio); got "
            f"{type(audio).__name__}.")
    if audio.samples.size == 0:
        raise ParameterError("The audio is empty: there is nothing to change or classify.")
    if not loaded:
        raise ParameterError("what_flips needs at least one loaded model (load_models()).")
    todo = list(dict.fromkeys(transforms))
    for t in todo:
        if not isinstance(t, Transform):
            raise ParameterError(f"transforms must be Transform objects; got {t!r}.")
    part, note = excerpt(audio, start_s=start_s, seconds=seconds)
    names = tuple(loaded)
    total = len(todo) + 1

    def ask(samples: np.ndarray) -> Result:
        return classify(Audio(samples, sr=part.sr), loaded=loaded, assets_dir=assets_dir)

    if original is not None and part is audio and tuple(original.models) == names:
        base = original
    else:
        base = ask(part.samples)
    if progress is not None:
        progress("Original", 1, total)
    hpss_parts: tuple[np.ndarray, np.ndarray] | None = None
    versions = []
    for i, t in enumerate(todo, 2):
        try:
            if t.kind in ("harmonic", "percussive"):  # one split serves both
                if hpss_parts is None:
                    from mgc_core.features import hpss

                    hpss_parts = hpss(part.samples)
                changed = hpss_parts[0 if t.kind == "harmonic" else 1]
            else:
                changed = t.apply(part.samples, sr=part.sr, seed=seed)
        except ParameterError as err:
            versions.append(Version(t.label, t, None, part.sr, None, str(err)))
        else:
            versions.append(Version(t.label, t, changed, part.sr, ask(changed)))
        if progress is not None:
            progress(t.label, i, total)
    return Flips(Version("Original", None, part.samples, part.sr, base),
                 tuple(versions), names, note)
