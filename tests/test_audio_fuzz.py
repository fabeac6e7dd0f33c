"""Fuzz tests of mgc_core.audio.load_audio: hostile bytes raise MGCError or give valid Audio.

Random bytes, random bytes behind the magic numbers of the formats mgc reads, and
small valid files of every extension in :data:`~mgc_core.audio.SUPPORTED_EXTENSIONS`
with bytes flipped, overwritten, inserted, deleted, duplicated or cut off (in the
header region more often than in the samples) are fed to :func:`load_audio` exactly
as the app calls it. The property: the only exception that ever escapes is an
:class:`~mgc_core.errors.MGCError` with a message; anything returned is a valid mono
:class:`~mgc_core.audio.Audio`; and no input takes more than :data:`CASE_SECONDS`
(a SIGALRM guard fails the test with the offending input's description; a
``pytest-timeout`` thread backstop ends the run if a decoder hangs inside C code).

The runs are reproducible: hypothesis is derandomized (a fixed seed per test) and
keeps no example database. By default each test tries a number of examples sized
for CI (the file takes well under a minute on two slow cores). For a full run, set
the environment variable ``MGC_FUZZ_EXAMPLES`` to the number of examples per test::

    MGC_FUZZ_EXAMPLES=20000 python -m pytest tests/test_audio_fuzz.py -q

A failure prints the falsifying example (the seed format and the list of
mutations, or the bytes), which replays with the same ``MGC_FUZZ_EXAMPLES``;
inputs found this way are kept as regression tests in ``test_audio_bad_input.py``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from mgc_core.audio import DEFAULT_SR, MIN_SECONDS, SUPPORTED_EXTENSIONS, Audio, load_audio
from mgc_core.audio._decode import MAX_ORIGINAL_SR, MIN_ORIGINAL_SR
from mgc_core.errors import MGCError

#: Examples per test; ``MGC_FUZZ_EXAMPLES`` raises it for a full run.
EXAMPLES = int(os.environ.get("MGC_FUZZ_EXAMPLES", "0") or 0) or 1000
#: Longest time one input may take to load (s); tiny files decode in milliseconds.
CASE_SECONDS = 5.0
#: Last-resort limit for a whole test (a hang inside C code that SIGALRM cannot break).
BACKSTOP_SECONDS = max(300, int(EXAMPLES * 3 * CASE_SECONDS / 10))
#: What the app passes (ui/input_panel.py): the analysis rate and a 10-minute cut.
APP_SR, APP_MAX_SECONDS = DEFAULT_SR, 600.0

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,  # the SIGALRM guard is the time limit; deadlines flake on busy machines
    print_blob=False,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SECONDS = 1.5  # seeds are short, so mutations land in headers and tables often

# seed -> (writer, options, sample rate, channels); small, valid files of each format.
SEEDS: dict[str, tuple[str, dict, int, int]] = {
    "wav": ("sf", dict(format="WAV", subtype="PCM_16"), 8000, 1),
    "wav_float": ("sf", dict(format="WAV", subtype="FLOAT"), 8000, 2),
    "wav_u8": ("sf", dict(format="WAV", subtype="PCM_U8"), 8000, 1),
    "wavex": ("sf", dict(format="WAVEX", subtype="PCM_24"), 8000, 2),
    "aiff": ("sf", dict(format="AIFF", subtype="PCM_16"), 8000, 2),
    "au": ("sf", dict(format="AU", subtype="PCM_16"), 8000, 1),
    "flac": ("sf", dict(format="FLAC", subtype="PCM_16"), 8000, 2),
    "vorbis": ("sf", dict(format="OGG", subtype="VORBIS"), 8000, 2),
    "opus": ("sf", dict(format="OGG", subtype="OPUS"), 8000, 1),
    "mp3": ("sf", dict(format="MP3"), 8000, 1),
    "m4a": ("av", dict(container="ipod", codec="aac"), 8000, 2),
    "adts": ("av", dict(container="adts", codec="aac"), 8000, 1),
    "wma": ("av", dict(container="asf", codec="wmav2", bit_rate=32_000), 8000, 1),
    "webm": ("av", dict(container="webm", codec="libopus"), 48000, 1),
    "mp4_video": ("av", dict(container="mp4", codec="aac", video=True), 8000, 1),
    "mov": ("av", dict(container="mov", codec="aac"), 8000, 1),
    "mkv": ("av", dict(container="matroska", codec="pcm_s16le"), 8000, 1),
    "mka_flac": ("av", dict(container="matroska", codec="flac"), 8000, 2),
}

#: Which seed stands for each upload extension.
EXTENSION_SEED = {
    "wav": "wav", "au": "au", "snd": "au", "aif": "aiff", "aiff": "aiff", "flac": "flac",
    "ogg": "vorbis", "oga": "vorbis", "opus": "opus", "mp3": "mp3", "m4a": "m4a",
    "aac": "adts", "mp4": "mp4_video", "wma": "wma", "webm": "webm", "mkv": "mkv",
    "mka": "mka_flac", "mov": "mov",
}

#: First bytes of the formats the decoders recognise, to get random data past sniffing.
MAGICS: tuple[bytes, ...] = (
    b"RIFF\x24\x00\x00\x00WAVEfmt ",
    b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00",
    b"RF64\xff\xff\xff\xffWAVEds64",
    b"FORM\x00\x00\x00\x00AIFF",
    b"FORM\x00\x00\x00\x00AIFCFVER",
    b".snd\x00\x00\x00\x18",
    b"fLaC\x00\x00\x00\x22",
    b"OggS\x00\x02",
    b"ID3\x04\x00\x00\x00\x00\x00\x00",
    b"\xff\xfb\x90\x64",  # MPEG-1 layer III frame
    b"\xff\xf1\x50\x80",  # ADTS AAC frame
    b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    b"\x00\x00\x00\x14ftypqt  ",
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c",  # ASF
    b"\x1a\x45\xdf\xa3",  # EBML: Matroska, WebM
    b"caff\x00\x01\x00\x00",
    b"wvpk",
    b"MAC ",
    b"#!AMR\n",
)

# 32-bit values that header fields (sizes, rates, counts) choke on.
INTERESTING = (0, 1, 2, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


@pytest.fixture(scope="module")
def seeds(synth) -> dict[str, bytes]:
    """The valid files that the mutations start from, by seed name."""
    out = {}
    for name, (writer, options, sr, channels) in SEEDS.items():
        write = synth.sf_bytes if writer == "sf" else synth.av_bytes
        out[name] = write(synth.tone(SECONDS, sr, channels=channels), sr, **options)
    return out


# --------------------------------------------------------------------------- the guard


class CaseTimeout(AssertionError):
    """One input took longer than :data:`CASE_SECONDS` (not a decode error: never caught)."""


@contextlib.contextmanager
def time_limit(seconds: float, describe: Callable[[], str]) -> Iterator[None]:
    """Raise :class:`CaseTimeout` naming the input if the block runs longer than ``seconds``.

    Uses SIGALRM (main thread, POSIX). Any outer interval timer (pytest-timeout's
    signal method) is re-armed with what it had left when the block ends.
    """
    def on_alarm(signum: int, frame: object) -> None:
        raise CaseTimeout(f"load_audio ran for more than {seconds:g} s on {describe()}")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), interval)


@contextlib.contextmanager
def no_unraisable(describe: Callable[[], str]) -> Iterator[None]:
    """Fail if an exception is swallowed in a C callback (printed "Exception ignored ...")."""
    swallowed: list = []
    previous, sys.unraisablehook = sys.unraisablehook, swallowed.append
    try:
        yield
    finally:
        sys.unraisablehook = previous
        if swallowed:  # also when the block raised: this failure matters more
            raise AssertionError(
                f"exception(s) ignored in a C callback on {describe()}: "
                f"{[repr(u.exc_value) for u in swallowed]}"
            )


def check_load(data: bytes, describe: Callable[[], str]) -> Audio | None:
    """Load ``data`` as the app does; assert the property; return the Audio or None."""
    try:
        with no_unraisable(describe), time_limit(CASE_SECONDS, describe):
            audio = load_audio(data, sr=APP_SR, max_seconds=APP_MAX_SECONDS)
    except MGCError as err:
        message = str(err)
        assert message.strip(), f"{type(err).__name__} without a message on {describe()}"
        assert len(message) < 2000, f"a {len(message)}-char message on {describe()}"
        return None
    assert isinstance(audio, Audio), describe()
    samples = audio.samples
    assert samples.dtype == np.float32 and samples.ndim == 1, describe()
    assert not samples.flags.writeable, describe()
    assert audio.sr == APP_SR, describe()
    assert audio.duration >= MIN_SECONDS - 2 / APP_SR, describe()
    assert audio.duration <= APP_MAX_SECONDS + 1, describe()
    assert np.isfinite(samples).all(), f"non-finite samples from {describe()}"
    assert MIN_ORIGINAL_SR <= audio.original_sr <= MAX_ORIGINAL_SR, describe()
    assert audio.original_channels >= 0 and audio.original_format, describe()
    assert all(isinstance(w, str) and w for w in audio.warnings), describe()
    return audio


# --------------------------------------------------------------------------- mutations

_KINDS = ("flip", "set", "interesting", "insert", "delete", "duplicate", "truncate")

mutation = st.tuples(
    st.sampled_from(_KINDS),
    st.booleans(),  # True: aim at the header region (first 512 bytes)
    st.integers(0, 2**31 - 1),  # position, taken modulo the length
    st.integers(0, 2**31 - 1),  # a second number: bit, byte, length or value index
    st.binary(min_size=1, max_size=64),  # bytes to insert
)


def mutate(data: bytes, mutations: list[tuple]) -> bytes:
    """Apply each ``(kind, in_header, position, number, payload)`` in turn."""
    out = bytearray(data)
    for kind, in_header, position, number, payload in mutations:
        if not out:
            break
        span = min(len(out), 512) if in_header else len(out)
        at = position % span
        if kind == "flip":
            out[at] ^= 1 << (number % 8)
        elif kind == "set":
            out[at] = number % 256
        elif kind == "interesting":
            value = INTERESTING[number % len(INTERESTING)]
            little = number & 1 << 8
            out[at : at + 4] = value.to_bytes(4, "little" if little else "big")
        elif kind == "insert":
            out[at:at] = payload
        elif kind == "delete":
            del out[at : at + 1 + number % 256]
        elif kind == "duplicate":
            chunk = out[at : at + 1 + number % 1024]
            out[at:at] = chunk
        elif kind == "truncate":
            del out[at:]
    return bytes(out)


# --------------------------------------------------------------------------- tests


def test_every_supported_extension_has_a_seed(seeds):
    assert set(EXTENSION_SEED) == set(SUPPORTED_EXTENSIONS)
    assert set(EXTENSION_SEED.values()) <= set(SEEDS)
    for name, data in seeds.items():  # the seeds themselves are valid files
        audio = check_load(data, lambda name=name: f"the unmutated {name} seed")
        assert audio is not None and abs(audio.duration - SECONDS) < 0.2, name


@pytest.mark.timeout(BACKSTOP_SECONDS, method="thread")
@FUZZ
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes(data):
    check_load(data, lambda: f"{len(data)} random bytes {data[:64]!r}...")


@pytest.mark.timeout(BACKSTOP_SECONDS, method="thread")
@FUZZ
@given(magic=st.sampled_from(MAGICS), tail=st.binary(min_size=0, max_size=4096))
@example(magic=b"FORM\x00\x00\x00\x00AIFF", tail=b"COMM\x00\x00\x00\x12\x00\x02")  # seek to -1
def test_random_bytes_behind_a_format_signature(magic, tail):
    data = magic + tail
    check_load(data, lambda: f"{magic!r} followed by {len(tail)} random bytes {tail[:48]!r}...")


@pytest.mark.timeout(BACKSTOP_SECONDS, method="thread")
@FUZZ
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    mutations=st.lists(mutation, min_size=1, max_size=6),
)
def test_mutated_valid_files(seeds, seed, mutations):
    data = mutate(seeds[seed], mutations)
    check_load(data, lambda: f"the {seed} seed ({len(seeds[seed])} bytes) after {mutations}")


def test_the_guard_names_the_input_of_a_slow_case():
    with pytest.raises(CaseTimeout, match="more than 0.2 s on the slow input"):
        with time_limit(0.2, lambda: "the slow input"):
            time.sleep(5)


def test_the_guard_restores_an_outer_timer():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        with time_limit(1.0, lambda: "a fast input"):
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < left <= 30.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired


def test_the_guard_catches_an_exception_swallowed_in_a_callback():
    import io

    import soundfile as sf

    # soundfile on a plain BytesIO: libsndfile seeks to -1 on this cut AIFF, and the
    # ValueError of BytesIO.seek is swallowed in the cffi callback (load_audio avoids it).
    data = b"FORM\x00\x00\x00\x00AIFFCOMM\x00\x00\x00\x12\x00\x02"
    with pytest.raises(AssertionError, match="ignored in a C callback on the cut AIFF"):
        with no_unraisable(lambda: "the cut AIFF"):
            sf.SoundFile(io.BytesIO(data))
