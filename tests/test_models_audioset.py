"""Tests of mgc_core.models.audioset: the AudioSet tagger on the shared analysis, and the
zero-shot genre model."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.audio import Audio
from mgc_core.audio.signals import make_signal
from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models.audioset import (
    GENRE_INDEX,
    MUSIC_GENRE_CLASSES,
    AudioSetModel,
    AudioSetTagger,
    bundled_tagger,
    segment_logmels,
)
from mgc_core.models.efficientat_lite import LABELS_FILE, TFLITE_FILE
from mgc_core.models.frontend import analyse_audio


@pytest.fixture(scope="module")
def tagger() -> AudioSetTagger:
    return bundled_tagger()


@pytest.fixture(scope="module")
def front():
    return analyse_audio(Audio(make_signal("drum_pattern", sr=22050, duration=10.0), sr=22050))


def test_genre_index_names_the_ten_genres(tagger):
    names = [tagger.labels[i] for i in GENRE_INDEX]
    assert names == ["Blues", "Classical music", "Country", "Disco", "Hip hop music", "Jazz",
                     "Heavy metal", "Pop music", "Reggae", "Rock music"]
    assert len(GENRE_INDEX) == len(GENRES)
    branch = [tagger.labels[i] for i in MUSIC_GENRE_CLASSES]
    assert branch[0] == "Pop music" and branch[-1] == "Independent music"
    assert "Beatboxing" not in branch and {"Electronic music", "Funk", "Soul music"} <= set(branch)


def test_tagger_outputs_per_segment_and_computes_once_per_analysis(tagger, front, monkeypatch):
    calls = []
    real = tagger.network.predict
    monkeypatch.setattr(tagger.network, "predict", lambda x: calls.append(x.shape) or real(x))
    fresh = analyse_audio(Audio(make_signal("drum_pattern", sr=22050, duration=10.0), sr=22050))
    tags = tagger.tag(fresh)
    assert tags.embedding.shape == (fresh.n_segments, 384)
    assert tags.logits.shape == (fresh.n_segments, 527)
    assert tagger.tag(fresh) is tags and len(calls) == 1  # shared within the analysis
    assert not tags.logits.flags.writeable
    # a second tagger on the same network content shares the outputs too
    other = AudioSetTagger(tagger.network, tagger.labels, key=tagger.key)
    assert other.tag(fresh) is tags and len(calls) == 1


def test_drums_are_music_to_audioset(tagger, front):
    tags = tagger.tag(front)
    p = tags.probabilities.mean(axis=0)
    assert tagger.labels[int(np.argmax(p))] == "Music"
    genres = tagger.music_genres(tags, k=5)
    assert len(genres) == 5 and all(n in {tagger.labels[i] for i in MUSIC_GENRE_CLASSES}
                                    for n, _ in genres)
    assert [q for _, q in genres] == sorted((q for _, q in genres), reverse=True)


def test_the_tagger_hears_the_same_band_limited_signal_as_the_models():
    """Bandwidth gives nothing away: a 44.1-kHz broadband file reaches the tagger as the
    16-kHz analysis, so its mel bands above 8 kHz hold only the log floor."""
    from mgc_core.models.efficientat_lite import kaldi_mel_bank

    rng = np.random.default_rng(0)
    noise = Audio((0.3 * rng.standard_normal(44100 * 4)).astype(np.float32), sr=44100)
    L = segment_logmels(analyse_audio(noise))
    bank = kaldi_mel_bank()
    lowest_bin = np.argmax(bank > 0, axis=1) * 31.25  # Hz of each band's first bin
    above = lowest_bin > 8200
    floor = (np.log(1e-5) + 4.5) / 5
    assert above.sum() > 20
    inner = L[:, :, 3:-3]  # the edge frames see the cut at the segment's ends
    assert np.max(inner[:, above, :]) < floor + 0.05  # nothing there
    assert np.median(inner[:, ~above, :]) > floor + 1.0  # while the lower bands are full


def test_zero_shot_model_learns_nothing_and_normalises():
    X = np.array([[0.0] * 10, [5.0] + [0.0] * 9])
    m = AudioSetModel().fit(X, np.array([3, 4]))
    p = m.predict_proba(X)
    assert p.shape == (2, 10) and np.allclose(p.sum(axis=1), 1)
    assert np.allclose(p[0], 0.1) and int(np.argmax(p[1])) == 0
    assert np.array_equal(AudioSetModel().predict_proba(X), p)  # fitting changed nothing
    assert AudioSetModel.trainable is False


def test_zero_shot_inputs_are_the_ten_genre_logits(tagger, front):
    m = AudioSetModel()
    m.tagger_ = tagger
    X = m.inputs(front)
    assert X.shape == (front.n_segments, 10)
    assert np.array_equal(X, tagger.tag(front).logits[:, GENRE_INDEX])


@pytest.mark.parametrize("X", [np.zeros((2, 9)), np.zeros(10), np.full((1, 10), np.nan)])
def test_zero_shot_bad_inputs(X):
    with pytest.raises(ParameterError, match="AudioSet genre logits"):
        AudioSetModel().predict_proba(X)
    with pytest.raises(ParameterError, match="AudioSet genre"):
        AudioSetModel().fit(np.zeros((2, 9)), np.array([0, 1]))


def test_nothing_to_save(tmp_path):
    with pytest.raises(ParameterError, match="learns nothing"):
        AudioSetModel().save(tmp_path / "x")


def test_bundled_model_loads_through_the_manifest_check():
    from mgc_core.analysis.classify import load_model

    m = load_model("audioset")
    assert isinstance(m.tagger_, AudioSetTagger) and m.tagger_.key.startswith("mn04:")


def test_a_wrong_class_list_is_refused(tagger):
    from mgc_core import assets

    network = (assets.ASSETS_DIR / "models" / TFLITE_FILE).read_bytes()
    labels = (assets.ASSETS_DIR / "models" / LABELS_FILE).read_bytes()
    shuffled = labels.replace(b"Blues", b"Bluez")
    with pytest.raises(AssetError, match="convert-efficientat"):
        AudioSetTagger.from_contents(network, shuffled)
    with pytest.raises(AssetError, match="needs"):
        AudioSetModel().load_parts({TFLITE_FILE: network})
