"""State that outlives one run of a page: kept widget values, the URL's view, kept music.

Three kinds of memory, from shortest to longest:

* **Per session, across pages.** Streamlit forgets a widget's value when a run does not
  draw it (another page, a closed tab). :func:`prepare_widget` gives a keyed widget back
  the value the page kept in a plain (non-widget) session key, checked against what the
  widget can show now.
* **In the URL.** :func:`update_query_params` writes a page's view into
  ``st.query_params`` (only what changed, in one message), so that a reload or a shared
  link opens the same view. Pages read their parameters back once per session and check
  them (:func:`read_feature_view` for the Audio features page, e.g.
  ``?n_fft=4096&hop=512&start=30&end=60&tab=mfcc``): a bad value gets a warning and the
  default.
* **Per server process.** :class:`KeptStore` keeps the last few values (the music chosen
  in the input panel), bounded in count and in bytes, in memory only, under keys that
  cannot be guessed (:meth:`KeptStore.key_for`), so that a reload, which starts a new
  session, can bring the music back from the URL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

__all__ = [
    "KeptStore", "prepare_widget", "update_query_params", "read_feature_view", "number_param",
    "FFT_SIZES", "HOP_LENGTHS", "FEATURE_TABS", "SPECTROGRAM_AXES", "MAX_MFCC", "MIN_MELS",
    "MAX_MELS", "MIN_WINDOW_S",
]

_BOUNDS = "widget_bounds"  # {widget key: the bounds it was last drawn with}


def prepare_widget(
    key: str, kept: Any, *, fix: Callable[[Any], Any] | None = None, bounds: Any = None
) -> tuple[Any, Any]:
    """Give the keyed widget ``key`` its value before it is drawn.

    Call it just before the widget (which is then created without ``value=``). The
    widget keeps the value it has in this session; one Streamlit forgot (the widget was
    not drawn in the last run: the page or tab was left) comes back from ``kept``, the
    copy the page keeps in a plain session key. ``fix`` maps a value the widget can no
    longer show (its options or range changed) to one it can.

    Parameters
    ----------
    key : str
        The widget's key.
    kept : any
        The page's copy of the value, or the default the first time.
    fix : callable or None
        ``fix(value)`` returns a valid value (``value`` itself when it is valid).
    bounds : any
        What else makes Streamlit treat the widget as a new one, e.g. a slider's
        ``(min_value, max_value)``: when it changes, the new widget would start at its
        default, so the value is given to it again.

    Returns
    -------
    value : any
        The value the widget will show.
    asked : any
        The value before ``fix``: when it differs, say what had to change and why.
    """
    seen = st.session_state.setdefault(_BOUNDS, {})
    asked = st.session_state[key] if key in st.session_state else kept
    value = fix(asked) if fix is not None else asked
    if key not in st.session_state or value != asked or seen.get(key) != bounds:
        st.session_state[key] = value
    seen[key] = bounds
    return value, asked


def update_query_params(values: Mapping[str, str | None]) -> None:
    """Set (or, for ``None``, remove) these URL query parameters; leave the others alone.

    Sends nothing when the URL already says so, and at most one message otherwise (each
    change of the URL is an entry in the browser's history).
    """
    current = st.query_params.to_dict()
    wanted = dict(current)
    for name, value in values.items():
        if value is None:
            wanted.pop(name, None)
        else:
            wanted[name] = value
    if wanted != current:
        st.query_params.from_dict(wanted)


class KeptStore:
    """The last few values of a server process, bounded in count and bytes (an LRU).

    Thread-safe: every session of the server shares one store (make it with
    ``st.cache_resource``). Nothing is written to disk. Keys are made by
    :meth:`key_for`: an HMAC-SHA256 of the value's content key under a secret drawn when
    the store is made, so a key cannot be guessed, nor computed from a known piece of
    music to learn whether someone chose it; the same content gets the same key for the
    store's lifetime.

    Parameters
    ----------
    max_items : int
        At most this many values; the least recently used goes first.
    max_bytes : int
        At most this many bytes in all (as told to :meth:`put`); a single value larger
        than this is not kept.

    Examples
    --------
    >>> store = KeptStore(max_items=2, max_bytes=100)
    >>> k = store.key_for("some content key")
    >>> store.put(k, "music", nbytes=10)
    True
    >>> store.get(k)
    'music'
    >>> store.get(store.key_for("other content"))
    """

    #: Length of a key (hex digits): 128 bits.
    KEY_LENGTH = 32

    def __init__(self, *, max_items: int, max_bytes: int) -> None:
        if max_items < 1 or max_bytes < 1:
            raise ValueError(f"max_items and max_bytes must be positive; got {max_items}, "
                             f"{max_bytes}.")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._secret = secrets.token_bytes(32)
        self._lock = threading.Lock()

    def key_for(self, content: str) -> str:
        """The store's key for a value whose content is named by ``content``."""
        digest = hmac.new(self._secret, content.encode(), hashlib.sha256).hexdigest()
        return digest[: self.KEY_LENGTH]

    @classmethod
    def is_key(cls, text: str) -> bool:
        """Whether ``text`` has the form of a key (it may still be unknown to the store)."""
        return len(text) == cls.KEY_LENGTH and all(c in "0123456789abcdef" for c in text)

    def put(self, key: str, value: Any, *, nbytes: int) -> bool:
        """Keep ``value`` under ``key``; return False when it is too large to keep."""
        with self._lock:
            self._items.pop(key, None)
            if nbytes > self.max_bytes:
                return False
            self._items[key] = (value, nbytes)
            while len(self._items) > self.max_items or self.nbytes > self.max_bytes:
                self._items.popitem(last=False)
            return True

    def get(self, key: str) -> Any | None:
        """The value kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    @property
    def nbytes(self) -> int:
        """Bytes kept, as told to :meth:`put`."""
        return sum(n for _, n in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


# --------------------------------------------------------------------------- Audio features view
# The Audio features page's settings as URL query parameters, e.g.
# ``?n_fft=4096&hop=512&start=30&end=60&tab=mfcc``: read back once per session, checked here.

#: The FFT sizes and hop lengths the page offers (a hop is at most the FFT size).
FFT_SIZES = (256, 512, 1024, 2048, 4096, 8192)
HOP_LENGTHS = (64, 128, 256, 512, 1024, 2048, 4096)
#: The page's tabs: URL name -> label.
FEATURE_TABS = {
    "spectrum": "Spectrum", "spectrogram": "Spectrogram", "mfcc": "MFCC",
    "timbre": "Timbre & loudness", "harmony": "Pitch & harmony", "rhythm": "Rhythm",
}
SPECTROGRAM_AXES = ("linear", "log", "mel")
MAX_MFCC = 40
MIN_MELS, MAX_MELS = 8, 256  # at most 256 (features.max_n_mels), fewer for small FFTs
MIN_WINDOW_S = 0.5


def _shown(text: str) -> str:
    """A value from the URL, safe to show in Markdown (inline code, cut short)."""
    text = text.replace("`", "'")
    return f"`{text[:24]}{'…' if len(text) > 24 else ''}`"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _integer(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def read_feature_view(
    params: Mapping[str, str], *, nyquist: float
) -> tuple[dict[str, Any], list[str]]:
    """The Audio features settings that URL query parameters name, checked.

    Parameters
    ----------
    params : mapping of str to str
        The query parameters (``st.query_params``); names other than the page's are
        ignored.
    nyquist : float
        Half the analysis rate (Hz): the top of the frequency range.

    Returns
    -------
    values : dict
        The valid settings only: ``n_fft``, ``hop`` (int), ``freq_range`` ((fmin, fmax)
        in Hz), ``n_mels``, ``n_mfcc`` (int; checked against the FFT size by the page),
        ``window`` ((start, end) in s; checked against the music by the page), ``tab``
        (a label of :data:`FEATURE_TABS`), ``axis`` (one of :data:`SPECTROGRAM_AXES`).
    warnings : list of str
        One sentence (Markdown) per bad parameter, naming it and the default used.

    Examples
    --------
    >>> read_feature_view({"n_fft": "4096", "tab": "mfcc"}, nyquist=11025.0)
    ({'n_fft': 4096, 'tab': 'MFCC'}, [])
    >>> values, warnings = read_feature_view({"n_fft": "3000"}, nyquist=11025.0)
    >>> values, warnings[0][:24]
    ({}, 'The link asks for n_fft=')
    """
    values: dict[str, Any] = {}
    warnings: list[str] = []

    def bad(name: str, why: str, default: str) -> None:
        warnings.append(f"The link asks for {name}={_shown(params[name])}, but {why}; "
                        f"using {default}.")

    if "n_fft" in params:
        n_fft = _integer(params["n_fft"])
        if n_fft in FFT_SIZES:
            values["n_fft"] = n_fft
        else:
            bad("n_fft", "the FFT size must be one of "
                f"{', '.join(map(str, FFT_SIZES))}", "the default, 2048")
    if "hop" in params:
        hop, n_fft = _integer(params["hop"]), values.get("n_fft", 2048)
        if hop not in HOP_LENGTHS:
            bad("hop", f"the hop length must be one of {', '.join(map(str, HOP_LENGTHS))}",
                "the default")
        elif hop > n_fft:
            bad("hop", f"the hop length cannot be longer than the FFT size ({n_fft})",
                "the default")
        else:
            values["hop"] = hop
    if "fmin" in params or "fmax" in params:
        fmin = _number(params.get("fmin", "0"))
        fmax = _number(params.get("fmax", str(nyquist)))
        if fmin is None or fmax is None or not 0 <= fmin < fmax <= nyquist:
            bad("fmin" if "fmin" in params else "fmax",
                f"the frequency range must lie within 0–{nyquist:g} Hz, fmin below fmax",
                "the whole range")
        else:
            values["freq_range"] = (fmin, fmax)
    for name, key, low, high in (("mels", "n_mels", MIN_MELS, MAX_MELS),
                                 ("mfcc", "n_mfcc", 1, MAX_MFCC)):
        if name in params:
            n = _integer(params[name])
            if n is None or not low <= n <= high:
                bad(name, f"it must be a whole number from {low} to {high}", "the default")
            else:
                values[key] = n
    if "start" in params or "end" in params:
        start = _number(params.get("start", "0"))
        end = _number(params["end"]) if "end" in params else None
        if start is None or start < 0 or end is None or end - start < MIN_WINDOW_S:
            bad("start" if "start" in params else "end",
                f"the time window needs a start (s, from 0) and an end at least "
                f"{MIN_WINDOW_S:g} s later", "the default window")
        else:
            values["window"] = (start, end)
    if "tab" in params:
        tab = params["tab"].strip().lower()
        if tab in FEATURE_TABS:
            values["tab"] = FEATURE_TABS[tab]
        else:
            bad("tab", f"the tabs are {', '.join(FEATURE_TABS)}", "the first one")
    if "axis" in params:
        if params["axis"] in SPECTROGRAM_AXES:
            values["axis"] = params["axis"]
        else:
            bad("axis", f"the spectrogram's axis is one of {', '.join(SPECTROGRAM_AXES)}",
                "log")
    return values, warnings


def number_param(value: float) -> str:
    """A number as a URL shows it: ``30`` for 30.0, ``30.1`` for 30.1."""
    return f"{value:g}"
