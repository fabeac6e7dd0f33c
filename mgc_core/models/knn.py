"""k-nearest neighbours on hand-made summary features of each 3-s segment.

Frame-level features are computed **once** over the whole clip from the shared
front end (:class:`~mgc_core.models.frontend.Frontend`: its STFT power and mel
spectrogram at 16 kHz, hop 256), by the feature functions of the Audio features
page (:mod:`mgc_core.features`) given those spectrograms, then summarised segment
by segment (187 frames, the shared grid) by their mean and standard deviation; no
STFT is recomputed. :func:`frame_features` gives the frame-level rows.

Feature vector of a segment (:data:`FEATURE_NAMES`, 91 values, float32):

- ``[0:45]`` the **means** over the segment's frames of the 45 frame-level rows of
  :data:`FRAME_ROWS`, in this order:

  - ``mfcc01`` .. ``mfcc20``: :func:`~mgc_core.features.mfcc` of the mel
    (``M=mel``: the DCT of ``power_to_db(mel)``, floored 80 dB below the loudest
    value of the segments' frames);
  - ``chroma_C`` .. ``chroma_B``: :func:`~mgc_core.features.chroma` of the STFT
    power (``S=power``, ``tuning=0``);
  - ``centroid``, ``bandwidth``, ``rolloff`` (Hz), ``flatness``, ``zcr``, ``rms``
    and ``contrast1`` .. ``contrast7``: :func:`~mgc_core.features.spectral_features`
    of the samples and the STFT power (``S=power``), frames of 512 and hop 256:
    the spectral ones of the magnitude ``sqrt(power)``, ``rms`` from the spectrum
    (``rms_from="spectrum"``: of the Hann-windowed frame), the contrast in the
    bands of :func:`mgc_core.features.contrast_band_edges` at 16 kHz;

- ``[45:90]`` the **standard deviations** of the same 45 rows, same order
  (names ending ``_std``);
- ``[90]`` ``tempo``: the segment's tempo (BPM) by :func:`librosa.feature.tempo`
  (autocorrelation over the segment's 2.992 s) on the onset strength of
  ``power_to_db(mel)``. This is not :func:`mgc_core.features.tempo_beats`, which
  tracks beats over a whole window.

The classifier is a :class:`~sklearn.pipeline.Pipeline` of a
:class:`~sklearn.preprocessing.StandardScaler` and a
:class:`~sklearn.neighbors.KNeighborsClassifier`; ``n_neighbors`` and ``weights``
are chosen inside :meth:`KNNModel.fit` by a grouped inner cross-validation on
balanced accuracy.

Class imbalance: k-NN has no class weights. Its votes follow the training density,
so a small genre loses neighbourhoods near a large one. It is not re-balanced here;
choosing ``k`` by *balanced* accuracy favours settings (small ``k``, distance
weights) that keep small genres' recall, and the evaluation reports balanced
accuracy and macro-F1 so that the bias stays visible.

Models are saved with :func:`skops.io.dump` and read back with
:func:`load_skops`, which refuses any type outside an explicit allow-list. The app
serves the same neighbours from plain arrays (``knn.npz``, :mod:`mgc_core.models.heads`),
without importing scikit-learn.
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np

from mgc_core import features
from mgc_core.errors import ParameterError
from mgc_core.models._sklearn_common import (
    INNER_FOLDS,
    SEED,
    SkopsGenreModel,
    _check_ids,
    _check_Xy,
    inner_splits,
)
from mgc_core.models.frontend import HOP, N_FFT, SEGMENT_FRAMES, SEGMENT_SECONDS, SR, Frontend

__all__ = [
    "FRAME_ROWS",
    "FEATURE_NAMES",
    "N_FEATURES",
    "K_GRID",
    "WEIGHTS_GRID",
    "KNNModel",
    "frame_features",
    "segment_features",
]

N_MFCC = 20
#: The frame-level rows of :func:`mgc_core.features.spectral_features` used, in order.
_SHAPE_ROWS = ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms")
_N_CONTRAST = len(features.contrast_band_edges(sr=SR)) - 1  # 7 bands
#: The 45 frame-level rows summarised per segment, in order.
FRAME_ROWS: tuple[str, ...] = (
    tuple(f"mfcc{i:02d}" for i in range(1, N_MFCC + 1))
    + tuple(f"chroma_{p}" for p in features.PITCH_CLASSES)
    + _SHAPE_ROWS
    + tuple(f"contrast{i}" for i in range(1, _N_CONTRAST + 1))
)
#: Names of the 91 values of a segment's feature vector, in order.
FEATURE_NAMES: tuple[str, ...] = (
    tuple(f"{r}_mean" for r in FRAME_ROWS) + tuple(f"{r}_std" for r in FRAME_ROWS) + ("tempo",)
)
N_FEATURES: int = len(FEATURE_NAMES)
#: Candidate numbers of neighbours and vote weightings, chosen by inner CV.
K_GRID: tuple[int, ...] = (1, 3, 5, 7, 9, 15, 21)
WEIGHTS_GRID: tuple[str, ...] = ("uniform", "distance")
#: Segments whose tempo :func:`segment_features` estimates at once.
_TEMPO_BLOCK = 8

#: Types a KNN file may hold beyond skops's defaults (checked by :func:`load_skops`).
KNN_TRUSTED: tuple[str, ...] = (
    "sklearn.neighbors._classification.KNeighborsClassifier",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
)


# --------------------------------------------------------------------------- features


def _check_front(front: Frontend) -> None:
    if not isinstance(front, Frontend):
        raise ParameterError(
            f"front must be a Frontend; got {type(front).__name__}: "
            "make one with mgc_core.models.frontend.analyse(y)."
        )


def frame_features(front: Frontend) -> np.ndarray:
    """The 45 frame-level rows of a clip, over the frames of its segments.

    Computed by :mod:`mgc_core.features` from the front end's spectrograms (see
    the module docstring): what :func:`segment_features` summarises.

    Parameters
    ----------
    front : Frontend
        The clip's shared spectrograms, from :func:`mgc_core.models.frontend.analyse`.

    Returns
    -------
    np.ndarray [shape=(45, front.n_segments * 187), dtype=float64]
        Rows named by :data:`FRAME_ROWS` (the MFCCs, chroma, flatness and RMS are
        float32 values; the others are not rounded to float32).

    Examples
    --------
    >>> import librosa
    >>> from mgc_core.models.frontend import analyse
    >>> frame_features(analyse(librosa.tone(440, sr=16000, duration=7.0))).shape
    (45, 374)
    """
    _check_front(front)
    n_frames = front.n_segments * SEGMENT_FRAMES
    # The segments' frames only (a trailing part is dropped): the 80-dB floors of
    # the MFCCs and of the contrast are relative to the loudest of these frames.
    power, mel = front.power[:, :n_frames], front.mel[:, :n_frames]
    # float64: the summary statistics are taken over unrounded values.
    shape = features.spectral_features(
        front.y, sr=SR, S=power, n_fft=N_FFT, hop_length=HOP, rms_from="spectrum", dtype=float
    )
    return np.concatenate(
        [
            features.mfcc(M=mel, sr=SR, n_mfcc=N_MFCC),
            features.chroma(S=power, sr=SR, n_fft=N_FFT, hop_length=HOP, tuning=0.0),
            np.stack([shape[row] for row in _SHAPE_ROWS]),
            shape["contrast"],
        ]
    )


def segment_features(front: Frontend) -> np.ndarray:
    """Summary features of every segment of a clip (see the module docstring).

    Parameters
    ----------
    front : Frontend
        The clip's shared spectrograms, from :func:`mgc_core.models.frontend.analyse`.

    Returns
    -------
    np.ndarray [shape=(front.n_segments, 91), dtype=float32]
        Columns named by :data:`FEATURE_NAMES`.

    Examples
    --------
    >>> import librosa
    >>> from mgc_core.models.frontend import analyse
    >>> segment_features(analyse(librosa.tone(440, sr=16000, duration=7.0))).shape
    (2, 91)
    """
    import librosa

    rows = frame_features(front)  # (45, n_frames), float64
    segs = front.segments(rows.T)  # (n_segments, 187, 45)
    n_frames = rows.shape[1]
    mel_db = librosa.power_to_db(front.mel[:, :n_frames])
    onset = librosa.onset.onset_strength(S=mel_db, sr=SR, hop_length=HOP)
    onset = onset[:n_frames].reshape(front.n_segments, -1)  # one envelope per segment
    # Each segment's tempo depends on its own envelope only; blocks of segments keep
    # the tempograms' memory bounded (all of a 5-minute clip's at once: about 170 MB).
    tempo = np.concatenate([
        librosa.feature.tempo(onset_envelope=onset[i:i + _TEMPO_BLOCK], sr=SR, hop_length=HOP,
                              ac_size=SEGMENT_SECONDS).reshape(-1)
        for i in range(0, front.n_segments, _TEMPO_BLOCK)
    ])
    out = np.concatenate([segs.mean(axis=1), segs.std(axis=1), tempo.reshape(-1, 1)], axis=1)
    return out.astype(np.float32)


# --------------------------------------------------------------------------- model


class KNNModel(SkopsGenreModel):
    """k-NN on segment summary features, hyper-parameters chosen by inner CV.

    Parameters
    ----------
    k_grid : tuple of int
        Candidate ``n_neighbors`` (those larger than an inner training fold are skipped).
    weights_grid : tuple of str
        Candidate ``weights``: ``"uniform"`` and/or ``"distance"``.
    n_splits : int
        Most folds of the inner cross-validation.
    seed : int
        Seed of the inner folds.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        ``StandardScaler`` -> ``KNeighborsClassifier``, refitted on all of ``X`` (absent
        when loaded from the served ``.npz``).
    head_ : mgc_core.models.heads.NeighboursHead
        The same model as arrays: what predicts (without scikit-learn).
    best_params_ : dict
        ``{"n_neighbors": int, "weights": str}`` chosen.
    cv_score_ : float
        Inner-CV balanced accuracy (segments) of the chosen setting.
    trained_classes_ : np.ndarray
        Genre indices seen in training; the other genres get probability 0.

    Examples
    --------
    >>> import librosa
    >>> from mgc_core.models.frontend import analyse
    >>> model = KNNModel()
    >>> X = model.inputs(analyse(librosa.tone(440, sr=16000, duration=10.0)))
    >>> X.shape
    (3, 91)
    """

    name: ClassVar[str] = "knn"
    file_name: ClassVar[str] = "knn.skops"
    n_inputs: ClassVar[int] = N_FEATURES
    trusted: ClassVar[tuple[str, ...]] = KNN_TRUSTED

    def __init__(
        self,
        *,
        k_grid: tuple[int, ...] = K_GRID,
        weights_grid: tuple[str, ...] = WEIGHTS_GRID,
        n_splits: int = INNER_FOLDS,
        seed: int = SEED,
    ) -> None:
        self.k_grid = k_grid
        self.weights_grid = weights_grid
        self.n_splits = n_splits
        self.seed = seed

    def inputs(self, front: Frontend) -> np.ndarray:
        """Per-segment summary features, ``(n_segments, 91)``; see :data:`FEATURE_NAMES`."""
        return segment_features(front)

    def fit(self, X: np.ndarray, y: np.ndarray, *, groups: np.ndarray | None = None) -> KNNModel:
        """Choose ``n_neighbors`` and ``weights`` by inner CV, then refit on all of ``X``.

        Parameters
        ----------
        X : np.ndarray [shape=(n, 91)]
            Segment features from :meth:`inputs`.
        y : np.ndarray [shape=(n,)]
            Genre indices into GENRES.
        groups : np.ndarray [shape=(n,)], optional
            Group (artist) of each segment, kept on one side of every inner split;
            ``None`` uses stratified folds over segments.

        Returns
        -------
        self
        """
        from sklearn.model_selection import GridSearchCV

        X, y = _check_Xy(X, y, N_FEATURES)
        groups = _check_ids("groups", groups, X.shape[0])
        splits = inner_splits(y, groups, n_splits=self.n_splits, seed=self.seed)
        smallest = min(len(train) for train, _ in splits)
        ks = [int(k) for k in self.k_grid if k <= smallest] or [1]
        weights = list(self.weights_grid)
        if not weights or set(weights) - set(WEIGHTS_GRID):
            raise ParameterError(
                f"weights_grid must use {WEIGHTS_GRID}; got {self.weights_grid!r}."
            )
        search = GridSearchCV(
            _knn_pipeline(),
            {"knn__n_neighbors": ks, "knn__weights": weights},
            scoring="balanced_accuracy",
            cv=splits,
            refit=True,
            n_jobs=1,
        )
        with warnings.catch_warnings():  # folds lacking a genre: recall is still defined
            warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
            warnings.filterwarnings("ignore", message="A single label was found")
            search.fit(X, y)
        self.best_params_ = {
            "n_neighbors": int(search.best_params_["knn__n_neighbors"]),
            "weights": str(search.best_params_["knn__weights"]),
        }
        self.cv_score_ = float(search.best_score_)
        self._set_pipeline(search.best_estimator_)
        return self

    @staticmethod
    def _read_params(params: dict) -> dict:
        return {"n_neighbors": int(params["n_neighbors"]), "weights": str(params["weights"])}


def _knn_pipeline():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())])
