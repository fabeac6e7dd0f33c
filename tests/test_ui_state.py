"""Tests of ui/state.py: the kept-music store and the Audio features view read from a URL.

(The widgets kept across pages and the URL written by the page are tested through the
page, in test_pages_audio_features.py.)
"""

from __future__ import annotations

import threading

import pytest

from ui.state import FEATURE_TABS, KeptStore, read_feature_view

NYQUIST = 11025.0


# --------------------------------------------------------------------------- KeptStore


def test_the_store_keeps_the_most_recently_used_within_its_count():
    store = KeptStore(max_items=3, max_bytes=1000)
    keys = [store.key_for(f"content {i}") for i in range(4)]
    for i, key in enumerate(keys[:3]):
        assert store.put(key, i, nbytes=10)
    assert store.get(keys[0]) == 0  # now the most recently used
    store.put(keys[3], 3, nbytes=10)
    assert len(store) == 3
    assert store.get(keys[1]) is None  # the least recently used went first
    assert [store.get(k) for k in (keys[0], keys[2], keys[3])] == [0, 2, 3]


def test_the_store_keeps_within_its_bytes_and_refuses_what_cannot_fit():
    store = KeptStore(max_items=8, max_bytes=100)
    a, b, c = (store.key_for(x) for x in "abc")
    store.put(a, "a", nbytes=60)
    store.put(b, "b", nbytes=30)
    store.put(c, "c", nbytes=30)  # 120 bytes: the oldest goes
    assert store.get(a) is None and store.get(b) == "b" and store.get(c) == "c"
    assert store.nbytes == 60
    assert not store.put(a, "too big", nbytes=101)
    assert store.get(a) is None and store.nbytes == 60
    store.put(b, "b again", nbytes=30)  # the same key is replaced, not counted twice
    assert store.nbytes == 60 and store.get(b) == "b again"


def test_keys_are_content_keyed_but_cannot_be_guessed():
    one, other = KeptStore(max_items=1, max_bytes=1), KeptStore(max_items=1, max_bytes=1)
    key = one.key_for("3f2a content key")
    assert key == one.key_for("3f2a content key")  # the same content, the same key
    assert key != one.key_for("3f2a content key.")
    assert key != other.key_for("3f2a content key")  # a secret of each store: not computable
    assert len(key) == KeptStore.KEY_LENGTH == 32 and KeptStore.is_key(key)
    for text in ("", key[:-1], key.upper(), key[:-1] + "g", "../" + key[3:], key + "0"):
        assert not KeptStore.is_key(text), text


def test_the_store_is_safe_to_share_between_threads():
    store = KeptStore(max_items=4, max_bytes=10**6)

    def work(n: int) -> None:
        for i in range(300):
            key = store.key_for(f"{n}-{i % 7}")
            store.put(key, i, nbytes=100)
            store.get(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) == 4 and store.nbytes == 400


def test_a_store_needs_positive_bounds():
    with pytest.raises(ValueError, match="positive"):
        KeptStore(max_items=0, max_bytes=10)


# --------------------------------------------------------------------------- read_feature_view


def test_a_teachers_link_is_read_back():
    values, warnings = read_feature_view(
        {"n_fft": "4096", "hop": "512", "start": "30", "end": "60", "tab": "mfcc",
         "fmin": "50", "fmax": "8000", "mels": "64", "mfcc": "13", "axis": "mel",
         "music": "ignored here", "embed": "true"},
        nyquist=NYQUIST,
    )
    assert warnings == []
    assert values == {"n_fft": 4096, "hop": 512, "window": (30.0, 60.0), "tab": "MFCC",
                      "freq_range": (50.0, 8000.0), "n_mels": 64, "n_mfcc": 13, "axis": "mel"}


def test_no_parameters_mean_the_defaults():
    assert read_feature_view({}, nyquist=NYQUIST) == ({}, [])


@pytest.mark.parametrize("slug", list(FEATURE_TABS))
def test_every_tab_has_a_url_name(slug):
    assert read_feature_view({"tab": slug}, nyquist=NYQUIST)[0] == {"tab": FEATURE_TABS[slug]}


@pytest.mark.parametrize(("params", "name"), [
    ({"n_fft": "3000"}, "n_fft"),
    ({"n_fft": "-2048"}, "n_fft"),
    ({"hop": "abc"}, "hop"),
    ({"hop": "100"}, "hop"),
    ({"n_fft": "512", "hop": "1024"}, "hop"),  # longer than the FFT
    ({"fmin": "-1"}, "fmin"),
    ({"fmin": "9000", "fmax": "8000"}, "fmin"),
    ({"fmax": "20000"}, "fmax"),
    ({"fmax": "nan"}, "fmax"),
    ({"mels": "4"}, "mels"),
    ({"mels": "1e9"}, "mels"),
    ({"mfcc": "0"}, "mfcc"),
    ({"mfcc": "41"}, "mfcc"),
    ({"start": "10"}, "start"),  # no end
    ({"start": "10", "end": "10.2"}, "start"),  # shorter than 0.5 s
    ({"end": "inf"}, "end"),
    ({"start": "-5", "end": "5"}, "start"),
    ({"tab": "settings"}, "tab"),
    ({"axis": "cubic"}, "axis"),
])
def test_a_bad_value_is_named_and_left_to_its_default(params, name):
    values, warnings = read_feature_view(params, nyquist=NYQUIST)
    assert len(warnings) == 1 and warnings[0].startswith(f"The link asks for {name}=`")
    assert "using" in warnings[0]
    assert values == ({"n_fft": 512} if params.get("n_fft") == "512" else {})


def test_a_value_is_shown_as_code_and_cut_short():
    _, (warning,) = read_feature_view({"tab": "`**x**`" + "y" * 100}, nyquist=NYQUIST)
    assert "`'**x**'" in warning and "…`" in warning and "y" * 30 not in warning
