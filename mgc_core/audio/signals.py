"""Built-in teaching signals, generated in code.

Each generator takes keyword-only options, returns a mono ``float32`` array
peak-normalised to 0.8 with 10 ms fades at both ends (so it does not click when
played), and raises :class:`~mgc_core.errors.ParameterError` on a bad option.
:data:`SIGNALS` lists them with a title and a one-sentence description for the
classroom; :func:`make_signal` builds one by name.

Examples
--------
>>> from mgc_core.audio.signals import make_signal, sine
>>> y = sine(freq=440.0, sr=22050, duration=1.0)
>>> y.dtype, y.shape, round(float(abs(y).max()), 2)
(dtype('float32'), (22050,), 0.8)
>>> make_signal("chirp", duration=2.0).shape
(44100,)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mgc_core.errors import ParameterError

__all__ = [
    "SIGNALS",
    "SignalSpec",
    "make_signal",
    "sine",
    "harmonics",
    "major_chord",
    "chirp",
    "white_noise",
    "pink_noise",
    "click_track",
    "drum_pattern",
    "am_tone",
    "fm_tone",
]

#: Peak amplitude of every generated signal.
PEAK = 0.8
#: Length of the raised-cosine fade at each end, in seconds.
FADE_S = 0.01
SR_RANGE = (4000, 192000)
MAX_DURATION_S = 600.0


# --------------------------------------------------------------------------- helpers


def _n_samples(sr: int, duration: float) -> int:
    """Validate ``sr`` and ``duration`` and return the number of samples."""
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)):
        raise ParameterError(f"sr must be an integer sample rate in Hz; got {sr!r}.")
    if not SR_RANGE[0] <= sr <= SR_RANGE[1]:
        raise ParameterError(f"sr must be between {SR_RANGE[0]} and {SR_RANGE[1]} Hz; got {sr}.")
    if (
        isinstance(duration, bool)
        or not isinstance(duration, (int, float, np.integer, np.floating))
        or not 0 < duration <= MAX_DURATION_S
    ):
        raise ParameterError(
            f"duration must be a number of seconds above 0 and at most {MAX_DURATION_S:g}; "
            f"got {duration!r}."
        )
    n = int(round(float(duration) * sr))
    if n < 1:
        raise ParameterError(f"duration={duration!r} s is shorter than one sample at sr={sr}.")
    return n


def _check_freq(name: str, value: float, sr: int) -> float:
    """Return ``value`` as a float if it is a frequency strictly between 0 and sr/2."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0 < value < sr / 2
    ):
        raise ParameterError(
            f"{name} must be a frequency above 0 and below sr/2 ({sr / 2:g} Hz); got {value!r}."
        )
    return float(value)


def _check_positive(name: str, value: float, *, hi: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0 < value <= hi
    ):
        raise ParameterError(f"{name} must be above 0 and at most {hi:g}; got {value!r}.")
    return float(value)


def _finish(x: np.ndarray, *, sr: int) -> np.ndarray:
    """Fade both ends, peak-normalise to :data:`PEAK` and return float32."""
    x = np.asarray(x, dtype=np.float64).copy()
    n_fade = min(int(FADE_S * sr), x.size // 4)
    if n_fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_fade) / n_fade)
        x[:n_fade] *= ramp
        x[-n_fade:] *= ramp[::-1]
    peak = np.max(np.abs(x))
    if peak > 0:
        x *= PEAK / peak
    return x.astype(np.float32)


def _time(n: int, sr: int) -> np.ndarray:
    return np.arange(n) / sr


def _place(event: np.ndarray, times: np.ndarray, n: int, sr: int) -> np.ndarray:
    """Return a length-``n`` signal with ``event`` added at each of ``times`` (s)."""
    out = np.zeros(n)
    for t in times:
        i = int(round(t * sr))
        if i >= n:
            break
        m = min(event.size, n - i)
        out[i : i + m] += event[:m]
    return out


def _beat_times(bpm: float, duration: float, per_beat: int = 1) -> np.ndarray:
    """Times of the beats (or subdivisions), the first just after the fade-in."""
    return np.arange(FADE_S, duration, 60.0 / bpm / per_beat)


# --------------------------------------------------------------------------- generators


def sine(*, sr: int = 22050, duration: float = 5.0, freq: float = 440.0) -> np.ndarray:
    """A pure tone.

    Parameters
    ----------
    sr : int
        Sample rate in Hz (4000 to 192000).
    duration : float
        Length in seconds (above 0, at most 600).
    freq : float
        Frequency in Hz, above 0 and below ``sr / 2``.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> y = sine(freq=1000.0, duration=0.5)
    >>> y.shape
    (11025,)
    """
    n = _n_samples(sr, duration)
    freq = _check_freq("freq", freq, sr)
    return _finish(np.sin(2 * np.pi * freq * _time(n, sr)), sr=sr)


def harmonics(
    *, sr: int = 22050, duration: float = 5.0, f0: float = 220.0, n_harmonics: int = 8
) -> np.ndarray:
    """A tone made of ``n_harmonics`` harmonics of ``f0`` with amplitudes 1/k.

    Harmonics at or above ``sr / 2`` are left out (they would alias).

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    f0 : float
        Fundamental frequency in Hz, above 0 and below ``sr / 2``.
    n_harmonics : int
        Number of harmonics including the fundamental, 1 to 64.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> harmonics(f0=110.0, n_harmonics=4, duration=0.5).shape
    (11025,)
    """
    n = _n_samples(sr, duration)
    f0 = _check_freq("f0", f0, sr)
    if (
        isinstance(n_harmonics, bool)
        or not isinstance(n_harmonics, (int, np.integer))
        or not (1 <= n_harmonics <= 64)
    ):
        raise ParameterError(f"n_harmonics must be an integer from 1 to 64; got {n_harmonics!r}.")
    t = _time(n, sr)
    x = np.zeros(n)
    for k in range(1, int(n_harmonics) + 1):
        if k * f0 >= sr / 2:
            break
        x += np.sin(2 * np.pi * k * f0 * t) / k
    return _finish(x, sr=sr)


def major_chord(*, sr: int = 22050, duration: float = 5.0, root: float = 261.63) -> np.ndarray:
    """A major triad (root, major third, fifth) in equal temperament.

    Each note has its fundamental and a softer octave, so its only pitch classes
    are those of the three notes (C, E and G for the default root, middle C).

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    root : float
        Frequency of the root in Hz; its octave (``2 * root * 2**(7/12)``)
        must stay below ``sr / 2``.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> major_chord(root=220.0, duration=0.5).shape
    (11025,)
    """
    n = _n_samples(sr, duration)
    root = _check_freq("root", root, sr)
    top = 2 * root * 2 ** (7 / 12)
    if top >= sr / 2:
        raise ParameterError(
            f"root={root:g} Hz is too high for sr={sr}: the chord's top partial ({top:.0f} Hz) "
            f"must stay below sr/2 ({sr / 2:g} Hz); use root < {sr / 4 / 2 ** (7 / 12):.0f}."
        )
    t = _time(n, sr)
    x = np.zeros(n)
    for semitones in (0, 4, 7):
        f = root * 2 ** (semitones / 12)
        x += np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t)
    return _finish(x, sr=sr)


def chirp(
    *, sr: int = 22050, duration: float = 8.0, fmin: float = 100.0, fmax: float = 8000.0
) -> np.ndarray:
    """A logarithmic (exponential) sine sweep from ``fmin`` to ``fmax``.

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    fmin, fmax : float
        Start and end frequencies in Hz, ``0 < fmin < fmax < sr / 2``.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> chirp(fmin=200.0, fmax=2000.0, duration=1.0).shape
    (22050,)
    """
    import librosa

    n = _n_samples(sr, duration)
    fmin = _check_freq("fmin", fmin, sr)
    fmax = _check_freq("fmax", fmax, sr)
    if fmin >= fmax:
        raise ParameterError(f"fmin must be below fmax ({fmax:g} Hz); got {fmin:g}.")
    x = librosa.chirp(fmin=fmin, fmax=fmax, sr=sr, length=n, linear=False)
    return _finish(x, sr=sr)


def white_noise(*, sr: int = 22050, duration: float = 5.0, seed: int = 0) -> np.ndarray:
    """Gaussian white noise: equal power at every frequency.

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    seed : int
        Seed of the random generator; the same seed gives the same noise.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> bool((white_noise(duration=0.5, seed=1) == white_noise(duration=0.5, seed=1)).all())
    True
    """
    n = _n_samples(sr, duration)
    rng = np.random.default_rng(seed)
    return _finish(rng.standard_normal(n), sr=sr)


def pink_noise(*, sr: int = 22050, duration: float = 5.0, seed: int = 0) -> np.ndarray:
    """Pink (1/f) noise: equal power in every octave, so it sounds balanced.

    White noise is shaped in the frequency domain by ``1/sqrt(f)`` (the DC bin is
    set to zero).

    Parameters
    ----------
    sr, duration, seed
        As in :func:`white_noise`.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> pink_noise(duration=0.5).shape
    (11025,)
    """
    n = _n_samples(sr, duration)
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, d=1.0 / sr)
    gain = np.zeros_like(f)
    gain[1:] = 1.0 / np.sqrt(f[1:])
    return _finish(np.fft.irfft(spec * gain, n=n), sr=sr)


def _click(sr: int, *, seed: int = 0) -> np.ndarray:
    """A 20 ms broadband tick: exponentially decaying white noise."""
    rng = np.random.default_rng(seed)
    m = int(0.02 * sr)
    return rng.standard_normal(m) * np.exp(-np.arange(m) / (0.003 * sr))


def click_track(*, sr: int = 22050, duration: float = 6.0, bpm: float = 120.0) -> np.ndarray:
    """A metronome: one short broadband click on every beat.

    The first click is at 10 ms, just after the fade-in, then one every ``60 / bpm`` s.

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    bpm : float
        Tempo in beats per minute, above 0 and at most 600.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> y = click_track(bpm=60.0, duration=2.0)
    >>> y.shape
    (44100,)
    """
    n = _n_samples(sr, duration)
    bpm = _check_positive("bpm", bpm, hi=600.0)
    return _finish(_place(_click(sr), _beat_times(bpm, duration), n, sr), sr=sr)


def drum_pattern(
    *, sr: int = 22050, duration: float = 8.0, bpm: float = 120.0, seed: int = 0
) -> np.ndarray:
    """A synthetic rock beat: kick on beats 1 and 3, snare on 2 and 4, hi-hat on eighths.

    Beats fall at ``0.01 + k * 60 / bpm`` s, as in :func:`click_track`.
    The kick is a sine falling from 150 to 50 Hz, the snare a noise burst over a
    180 Hz tone, the hi-hat a very short burst of high-passed noise.

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    bpm : float
        Tempo in beats per minute, above 0 and at most 600.
    seed : int
        Seed for the noise of the snare and hi-hat.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> drum_pattern(duration=2.0).shape
    (44100,)
    """
    n = _n_samples(sr, duration)
    bpm = _check_positive("bpm", bpm, hi=600.0)
    rng = np.random.default_rng(seed)

    t = _time(int(0.35 * sr), sr)
    phase = 2 * np.pi * (50 * t + 100 * 0.05 * (1 - np.exp(-t / 0.05)))
    kick = np.sin(phase) * np.exp(-t / 0.12)
    t = _time(int(0.2 * sr), sr)
    snare = (0.7 * rng.standard_normal(t.size) + 0.5 * np.sin(2 * np.pi * 180 * t)) * np.exp(
        -t / 0.05
    )
    t = _time(int(0.05 * sr), sr)
    hat = np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t / 0.01) * 0.25

    beats = _beat_times(bpm, duration)
    x = (
        _place(kick, beats[0::2], n, sr)
        + _place(snare, beats[1::2], n, sr)
        + _place(hat, _beat_times(bpm, duration, per_beat=2), n, sr)
    )
    return _finish(x, sr=sr)


def am_tone(
    *,
    sr: int = 22050,
    duration: float = 5.0,
    carrier: float = 440.0,
    mod_freq: float = 4.0,
    depth: float = 0.8,
) -> np.ndarray:
    """Amplitude modulation (tremolo): a tone whose loudness swells ``mod_freq`` times a second.

    ``(1 + depth * sin(2 pi mod_freq t)) * sin(2 pi carrier t)``.

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    carrier : float
        Frequency of the tone in Hz, below ``sr / 2``.
    mod_freq : float
        Modulation rate in Hz, below ``sr / 2``.
    depth : float
        Modulation depth, above 0 and at most 1.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> am_tone(duration=0.5).shape
    (11025,)
    """
    n = _n_samples(sr, duration)
    carrier = _check_freq("carrier", carrier, sr)
    mod_freq = _check_freq("mod_freq", mod_freq, sr)
    depth = _check_positive("depth", depth, hi=1.0)
    t = _time(n, sr)
    x = (1 + depth * np.sin(2 * np.pi * mod_freq * t)) * np.sin(2 * np.pi * carrier * t)
    return _finish(x, sr=sr)


def fm_tone(
    *,
    sr: int = 22050,
    duration: float = 5.0,
    carrier: float = 440.0,
    mod_freq: float = 110.0,
    index: float = 3.0,
) -> np.ndarray:
    """Frequency modulation: ``sin(2 pi carrier t + index * sin(2 pi mod_freq t))``.

    The spectrum shows side bands at ``carrier ± k * mod_freq``.

    Parameters
    ----------
    sr, duration
        As in :func:`sine`.
    carrier, mod_freq : float
        Frequencies in Hz, below ``sr / 2``.
    index : float
        Modulation index, above 0 and at most 100.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Examples
    --------
    >>> fm_tone(duration=0.5).shape
    (11025,)
    """
    n = _n_samples(sr, duration)
    carrier = _check_freq("carrier", carrier, sr)
    mod_freq = _check_freq("mod_freq", mod_freq, sr)
    index = _check_positive("index", index, hi=100.0)
    t = _time(n, sr)
    x = np.sin(2 * np.pi * carrier * t + index * np.sin(2 * np.pi * mod_freq * t))
    return _finish(x, sr=sr)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class SignalSpec:
    """A built-in signal as the app lists it.

    Attributes
    ----------
    title : str
        Short name for a menu, e.g. ``"Sine 440 Hz"``.
    description : str
        One plain sentence: what you should see in the plots.
    make : callable ``(sr, duration) -> np.ndarray``
        Builds the signal.
    duration : float
        Default length in seconds.
    """

    title: str
    description: str
    make: Callable[[int, float], np.ndarray]
    duration: float


#: The built-in signals by name, in menu order.
SIGNALS: dict[str, SignalSpec] = {
    "sine": SignalSpec(
        "Sine 440 Hz",
        "A pure tone: one single peak at 440 Hz in the spectrum and one thin horizontal "
        "line in the spectrogram.",
        lambda sr, duration: sine(sr=sr, duration=duration),
        5.0,
    ),
    "harmonics": SignalSpec(
        "Harmonics of 220 Hz",
        "A tone with 8 harmonics: evenly spaced peaks at 220, 440, 660 Hz and so on, each "
        "quieter than the one before, like a stack of lines in the spectrogram.",
        lambda sr, duration: harmonics(sr=sr, duration=duration),
        5.0,
    ),
    "major_chord": SignalSpec(
        "C major chord",
        "Three notes at once (C, E and G): the chromagram lights up exactly those three "
        "pitch classes.",
        lambda sr, duration: major_chord(sr=sr, duration=duration),
        5.0,
    ),
    "chirp": SignalSpec(
        "Chirp 100 Hz → 8 kHz",
        "A tone sweeping upwards: a rising curve in the spectrogram (a straight line on a "
        "log axis) and a spectral centroid that climbs over time.",
        lambda sr, duration: chirp(sr=sr, duration=duration, fmax=min(8000.0, 0.45 * sr)),
        8.0,
    ),
    "white_noise": SignalSpec(
        "White noise",
        "Random hiss with equal power at every frequency: a flat spectrum, an evenly grey "
        "spectrogram and a high spectral flatness.",
        lambda sr, duration: white_noise(sr=sr, duration=duration),
        5.0,
    ),
    "pink_noise": SignalSpec(
        "Pink noise",
        "Random noise with equal power per octave: the spectrum slopes down by 3 dB per "
        "octave, so it sounds softer and darker than white noise.",
        lambda sr, duration: pink_noise(sr=sr, duration=duration),
        5.0,
    ),
    "click_track": SignalSpec(
        "Metronome 120 BPM",
        "A click on every beat, two per second: thin vertical lines in the spectrogram and "
        "an estimated tempo of 120 BPM.",
        lambda sr, duration: click_track(sr=sr, duration=duration),
        6.0,
    ),
    "drum_pattern": SignalSpec(
        "Drum beat 120 BPM",
        "Kick, snare and hi-hat: low thumps, noisy snare hits and short high ticks, with "
        "almost everything landing in the percussive part of the split.",
        lambda sr, duration: drum_pattern(sr=sr, duration=duration),
        8.0,
    ),
    "am_tone": SignalSpec(
        "Tremolo (AM) 440 Hz",
        "A 440 Hz tone whose loudness swells four times a second: the waveform's outline "
        "and the RMS curve rise and fall, while the pitch stays put.",
        lambda sr, duration: am_tone(sr=sr, duration=duration),
        5.0,
    ),
    "fm_tone": SignalSpec(
        "FM tone 440 Hz",
        "Frequency modulation: side peaks every 110 Hz around 440 Hz in the spectrum, a "
        "bright, bell-like sound made from only two sine waves.",
        lambda sr, duration: fm_tone(sr=sr, duration=duration),
        5.0,
    ),
}


def make_signal(name: str, *, sr: int = 22050, duration: float | None = None) -> np.ndarray:
    """Build the built-in signal ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SIGNALS` (case-insensitive; spaces and hyphens count as
        underscores).
    sr : int
        Sample rate in Hz.
    duration : float or None
        Length in seconds; ``None`` uses the signal's default.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]

    Raises
    ------
    ParameterError
        If ``name`` is unknown (the message lists the valid names) or an option is
        out of range.

    Examples
    --------
    >>> make_signal("sine", duration=1.0).shape
    (22050,)
    """
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    if key not in SIGNALS:
        raise ParameterError(f"Unknown signal {name!r}: use one of {', '.join(SIGNALS)}.")
    spec = SIGNALS[key]
    return spec.make(sr, spec.duration if duration is None else duration)
