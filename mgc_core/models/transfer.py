"""Transfer learning: a small scikit-learn head on pretrained musicnn and AudioSet embeddings.

Each 3-s segment of the shared front end (:attr:`~mgc_core.models.frontend.Frontend.logmel`
cut by :meth:`~mgc_core.models.frontend.Frontend.segments`, exactly musicnn's
``logmel_patches`` grid) goes through **both** bundled musicnn networks
(:mod:`mgc_core.models.musicnn`), and the segment's input is the concatenation
with the AudioSet tagger's outputs for the same segment
(:class:`~mgc_core.models.audioset.AudioSetTagger`, shared with the AudioSet model and
the gate) (:data:`EMBEDDING_PARTS`, 1411 values):

=====================  ======  =====================================================
part                   width   what
=====================  ======  =====================================================
``msd_penultimate``    200     MSD_musicnn's 200-unit penultimate layer
``msd_taggram``        50      MSD_musicnn's sigmoid tag activations (:data:`MSD_TAGS`)
``mtt_penultimate``    200     MTT_musicnn's penultimate layer
``mtt_taggram``        50      MTT_musicnn's tag activations (:data:`MTT_TAGS`)
``audioset_embedding`` 384     EfficientAT mn04's pooled last feature map
``audioset_logits``    527     its AudioSet class logits
=====================  ======  =====================================================

The two networks run on LiteRT (:mod:`mgc_core.models.musicnn_lite`, converted from
the bundled ``.keras`` files). Each file's bytes are checked against
``assets/manifest.json`` and handed to LiteRT, so what is checked is what runs. A
:class:`TransferModel` holds its networks (``networks_``):
:func:`mgc_core.analysis.classify.load_model` gives them to the bundled model
(:meth:`TransferModel.load_parts`); a model without them (one being trained) loads the
bundled ones on its first :meth:`~TransferModel.inputs` and keeps them. Nothing is
cached in this module: whoever keeps the model keeps its networks.

The head is a :class:`~sklearn.pipeline.Pipeline` of a
:class:`~mgc_core.models.prior_scaler.PriorScaler` (a ``StandardScaler`` that then
multiplies AudioSet's own ten genre outputs, :data:`GENRE_COLUMNS`, by a weight
``prior``, so that the L2 penalty holds them back less, and the AudioSet network's
other 901 columns, :data:`AUDIOSET_COLUMNS`, by a weight ``audioset``, 1 or 0.5, so that
its many columns can be held back more than musicnn's 500) and a
:class:`~sklearn.linear_model.LogisticRegression` with ``class_weight="balanced"``
(GTZAN as held here is strongly imbalanced), trained on each clip's mean input: being
linear, its verdict on a clip's mean is exactly the pooled verdict of its segments
(:meth:`TransferModel.fit`). Its inverse regularisation ``C``, the ``prior`` and the
``audioset`` weight (:data:`C_GRID` x :data:`PRIOR_GRID` x :data:`AUDIOSET_GRID`, 18
settings) are chosen inside :meth:`TransferModel.fit` by a grouped inner
cross-validation on the balanced accuracy of clip verdicts, with BLAS kept to one
thread (the matrices are small). The head is saved with skops, and served from its arrays
(``transfer_head.npz``, :mod:`mgc_core.models.heads`) without importing scikit-learn;
the networks are bundled separately.

Why these inputs (561 usable GTZAN clips, artist-grouped stratified 5-fold CV, fold
seeds 0-2, clip-mean logistic regression at the best fixed ``C``, mean balanced accuracy;
an exploration that ``python -m mgc_devtools.compare_inputs --gtzan DIR`` reproduces with
the same features and folds, checked on 25 clips; not the bundled evaluation): musicnn
alone 0.779, the AudioSet network alone 0.766, both 0.805; the AudioSet network given a
10-s window centred on each segment 0.806 (no gain, so the one 3-s grid is kept); the
AudioSet network fed the original bandwidth (decoded straight to 32 kHz) 0.819, a gain
that may come from the recordings' bandwidth rather than their music (30 clips of small
genres exist only at 16 kHz), so the band-limited input is shipped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.models._sklearn_common import SkopsGenreModel
from mgc_core.models.audioset import GENRE_INDEX
from mgc_core.models.frontend import Frontend

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.models.audioset import AudioSetTagger
    from mgc_core.models.musicnn_lite import LiteMusicnn

__all__ = [
    "EMBEDDING_PARTS",
    "N_EMBEDDING",
    "C_GRID",
    "PRIOR_GRID",
    "AUDIOSET_GRID",
    "GENRE_COLUMNS",
    "AUDIOSET_COLUMNS",
    "TransferModel",
    "embedding_networks",
    "embed_patches",
]

#: Layout of a segment's musicnn part: (name, width), in order.
MUSICNN_PARTS: tuple[tuple[str, int], ...] = (
    ("msd_penultimate", 200),
    ("msd_taggram", 50),
    ("mtt_penultimate", 200),
    ("mtt_taggram", 50),
)
#: Layout of a segment's AudioSet part (:class:`~mgc_core.models.audioset.TagOutputs`).
AUDIOSET_PARTS: tuple[tuple[str, int], ...] = (
    ("audioset_embedding", 384),
    ("audioset_logits", 527),
)
#: Layout of a segment's input: (name, width), in order.
EMBEDDING_PARTS: tuple[tuple[str, int], ...] = MUSICNN_PARTS + AUDIOSET_PARTS
#: Width of a segment's input, 1411.
N_EMBEDDING: int = sum(width for _, width in EMBEDDING_PARTS)
#: Width of the musicnn part, 500.
N_MUSICNN: int = sum(width for _, width in MUSICNN_PARTS)
#: Columns of AudioSet's ten genre logits in a segment's input, in GENRES order.
GENRE_COLUMNS: tuple[int, ...] = tuple(
    int(N_MUSICNN + dict(AUDIOSET_PARTS)["audioset_embedding"] + i) for i in GENRE_INDEX)
#: Candidate inverse regularisation strengths of the head, chosen by inner CV.
C_GRID: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
#: The AudioSet network's other 901 columns (embedding and logits but the ten genres).
AUDIOSET_COLUMNS: tuple[int, ...] = tuple(
    i for i in range(N_MUSICNN, N_EMBEDDING) if i not in set(GENRE_COLUMNS))
#: Candidate weights of AudioSet's ten genre outputs after scaling (1: no prior), chosen
#: with ``C`` by inner CV (:class:`~mgc_core.models.prior_scaler.PriorScaler`).
PRIOR_GRID: tuple[float, ...] = (1.0, 3.0, 10.0)
#: Candidate weights of :data:`AUDIOSET_COLUMNS` after scaling (1: as much as musicnn's
#: 500), chosen with ``C`` and the prior by inner CV.
AUDIOSET_GRID: tuple[float, ...] = (1.0, 0.5)
#: Most folds of the inner cross-validation.
INNER_FOLDS = 5
MAX_ITER = 5000
#: Stopping tolerance of the solver: 1e-3 fits 1411-d clip means 3-7 times faster than
#: scikit-learn's 1e-4, at the same balanced accuracy within a point.
TOL = 1e-3
_NETWORK_NAMES = ("MSD_musicnn", "MTT_musicnn")

# Guards a model's first loading of the bundled networks (sessions may share a model).
_LOAD_LOCK = threading.Lock()


def embedding_networks(
    *, assets_dir: str | os.PathLike | None = None
) -> tuple[LiteMusicnn, LiteMusicnn]:
    """The bundled MSD and MTT musicnn networks (LiteRT), verified and loaded.

    The app runs the networks converted to ``.tflite``
    (:mod:`mgc_core.models.musicnn_lite`: same outputs within 2e-5, far less memory
    than TensorFlow). Each file's bytes are read once, checked against
    ``assets/manifest.json`` and handed to LiteRT, so what is checked is what runs.
    Every call reads the files again: keep the networks (a :class:`TransferModel`
    keeps its own).

    Parameters
    ----------
    assets_dir : path-like, optional
        The assets folder; defaults to :data:`mgc_core.assets.ASSETS_DIR` (read when
        called).

    Returns
    -------
    (msd, mtt) : tuple of LiteMusicnn

    Raises
    ------
    AssetError
        If a bundled ``.tflite`` file is missing, altered (its size or sha256 differs
        from ``assets/manifest.json``), unlisted or not a loadable musicnn network.
    """
    from mgc_core import assets
    from mgc_core.models.musicnn_lite import LITE_FILES, bundled_lite_path

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    contents = {LITE_FILES[which]: assets.read_verified(bundled_lite_path(which, assets_dir=root),
                                                        root=root)
                for which in _NETWORK_NAMES}
    return _networks(contents)


def _networks(contents: Mapping[str, bytes]) -> tuple[LiteMusicnn, LiteMusicnn]:
    """The MSD and MTT networks from their verified ``.tflite`` bytes, by file name."""
    from mgc_core.models.musicnn_lite import LITE_FILES, LiteMusicnn

    missing = [LITE_FILES[w] for w in _NETWORK_NAMES if LITE_FILES[w] not in contents]
    if missing:
        raise ParameterError(f"The transfer model needs the bytes of {', '.join(missing)}; "
                             f"got {', '.join(sorted(contents)) or 'none'}.")
    msd, mtt = (LiteMusicnn(contents[LITE_FILES[w]]) for w in _NETWORK_NAMES)
    return msd, mtt


def embed_patches(
    patches: np.ndarray, *, networks: tuple[LiteMusicnn, LiteMusicnn]
) -> np.ndarray:
    """The 500-d embeddings of log-mel patches (see :data:`EMBEDDING_PARTS`).

    Parameters
    ----------
    patches : np.ndarray [shape=(n, 187, 96)]
        musicnn log-mel patches, e.g. ``front.segments(front.logmel)``.
    networks : (msd, mtt)
        The two musicnn networks, e.g. :func:`embedding_networks`.

    Returns
    -------
    np.ndarray [shape=(n, 500), dtype=float32]
    """
    msd, mtt = networks
    a = msd.predict(patches)
    b = mtt.predict(patches)
    return np.concatenate(
        [a["penultimate"], a["taggram"], b["penultimate"], b["taggram"]], axis=1
    ).astype(np.float32)


#: Types a head file may hold beyond skops's defaults (checked on load).
HEAD_TRUSTED: tuple[str, ...] = (
    "mgc_core.models.prior_scaler.PriorScaler",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
)


class TransferModel(SkopsGenreModel):
    """Logistic-regression head on musicnn and AudioSet embeddings, ``C`` and the genre
    prior chosen by inner CV.

    Parameters
    ----------
    c_grid : tuple of float
        Candidate inverse regularisation strengths of the logistic regression.
    prior_grid : tuple of float
        Candidate weights of AudioSet's genre columns after scaling (1: none).
    audioset_grid : tuple of float
        Candidate weights of the AudioSet network's other columns (:data:`AUDIOSET_COLUMNS`).
    n_splits : int
        Most folds of the inner cross-validation.
    seed : int
        Seed of the inner folds.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        ``StandardScaler`` -> ``LogisticRegression(class_weight="balanced")``,
        refitted on all segments (absent when loaded from the served ``.npz``).
    head_ : mgc_core.models.heads.LinearHead
        The same head as arrays: what predicts (without scikit-learn).
    best_params_ : dict
        ``{"C": float, "prior": float, "audioset": float}`` chosen.
    cv_score_ : float
        Inner-CV balanced accuracy of the chosen setting.
    cv_scores_ : dict
        Inner-CV balanced accuracy of every ``(C, prior, audioset)`` tried (after
        :meth:`fit` only).
    cv_level_ : str
        ``"clip"`` if the inner CV scored pooled clip verdicts, else ``"segment"``.
    trained_classes_ : np.ndarray
        Genre indices seen in training; the other genres get probability 0.
    networks_ : (LiteMusicnn, LiteMusicnn)
        The musicnn networks :meth:`inputs` embeds with: given by :meth:`load_parts`
        (as :func:`~mgc_core.analysis.classify.load_model` does), else the bundled ones,
        loaded on the first :meth:`inputs` and kept by this model. Not saved with the head.

    Examples
    --------
    >>> import librosa
    >>> from mgc_core.models.frontend import analyse
    >>> X = TransferModel().inputs(analyse(librosa.tone(440, sr=16000, duration=10.0)))
    >>> X.shape
    (3, 1411)
    """

    name: ClassVar[str] = "transfer"
    file_name: ClassVar[str] = "transfer_head.skops"
    n_inputs: ClassVar[int] = N_EMBEDDING
    trusted: ClassVar[tuple[str, ...]] = HEAD_TRUSTED
    #: Part of the training cache's key: 2 = musicnn and AudioSet embeddings.
    feature_version: ClassVar[str] = "2"

    def __init__(
        self,
        *,
        c_grid: tuple[float, ...] = C_GRID,
        prior_grid: tuple[float, ...] = PRIOR_GRID,
        audioset_grid: tuple[float, ...] = AUDIOSET_GRID,
        n_splits: int = INNER_FOLDS,
        seed: int = 0,
    ) -> None:
        self.c_grid = c_grid
        self.prior_grid = prior_grid
        self.audioset_grid = audioset_grid
        self.n_splits = n_splits
        self.seed = seed

    def inputs(self, front: Frontend) -> np.ndarray:
        """musicnn and AudioSet embeddings of every segment, ``(n_segments, 1411)``.

        See :data:`EMBEDDING_PARTS`.

        Raises
        ------
        AssetError
            If a bundled musicnn file is missing or altered.
        """
        if not isinstance(front, Frontend):
            raise ParameterError(
                f"front must be a Frontend; got {type(front).__name__}: "
                "make one with mgc_core.models.frontend.analyse(y)."
            )
        musicnn = embed_patches(front.segments(front.logmel), networks=self.networks())
        tags = self.tagger().tag(front)
        return np.concatenate([musicnn, tags.embedding, tags.logits], axis=1).astype(np.float32)

    def networks(self) -> tuple[LiteMusicnn, LiteMusicnn]:
        """The musicnn networks this model embeds with (see ``networks_``).

        Raises
        ------
        AssetError
            If the model has none yet and a bundled musicnn file is missing or altered.
        """
        with _LOAD_LOCK:  # sessions share the app's model: load the networks only once
            if getattr(self, "networks_", None) is None:
                self.networks_ = embedding_networks()
            return self.networks_

    def tagger(self) -> AudioSetTagger:
        """The AudioSet tagger this model embeds with (see ``tagger_``).

        Raises
        ------
        AssetError
            If the model has none yet and a bundled AudioSet file is missing or altered.
        """
        from mgc_core.models.audioset import bundled_tagger

        with _LOAD_LOCK:
            if getattr(self, "tagger_", None) is None:
                self.tagger_ = bundled_tagger()
            return self.tagger_

    def load_parts(self, contents: Mapping[str, bytes]) -> TransferModel:
        """Embed with the musicnn networks given as verified ``.tflite`` bytes.

        :func:`~mgc_core.analysis.classify.load_model` calls it with the bytes of the
        model's other bundled files (its registry entry's ``files`` after the head),
        each checked against the manifest.

        Parameters
        ----------
        contents : mapping of str to bytes
            ``{"musicnn_msd.tflite": ..., "musicnn_mtt.tflite": ...,
            "efficientat_mn04.tflite": ..., "efficientat_mn04_labels.csv": ...}``.

        Returns
        -------
        self

        Raises
        ------
        AssetError
            If the bytes are not the networks or the class list.
        """
        from mgc_core.models.audioset import AudioSetTagger
        from mgc_core.models.efficientat_lite import LABELS_FILE, TFLITE_FILE

        networks = _networks(contents)
        missing = [f for f in (TFLITE_FILE, LABELS_FILE) if f not in contents]
        if missing:
            raise ParameterError(f"The transfer model needs the bytes of {', '.join(missing)}; "
                                 f"got {', '.join(sorted(contents)) or 'none'}.")
        self.networks_ = networks
        self.tagger_ = AudioSetTagger.from_contents(contents[TFLITE_FILE], contents[LABELS_FILE])
        return self

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        groups: np.ndarray | None = None,
        clips: np.ndarray | None = None,
    ) -> TransferModel:
        """Choose ``C`` by inner CV, then refit the head.

        With clip ids the head is trained on each clip's **mean** segment input and
        the inner CV scores clip verdicts. The head is linear in its input (a scaler
        and a logistic regression), so its logits on a clip's mean are the mean of
        its logits on the clip's segments, and pooling its segment probabilities
        (:func:`~mgc_core.models.frontend.pool_segments`, a normalised geometric
        mean) gives exactly its verdict on the mean: the clip verdict is what was
        trained, and each segment still gets its own probabilities for the timeline.
        Without clip ids the head is trained on segments.

        Parameters
        ----------
        X : np.ndarray [shape=(n, 1411)]
            Segment inputs from :meth:`inputs`.
        y : np.ndarray [shape=(n,)]
            Genre indices into GENRES.
        groups : np.ndarray [shape=(n,)], optional
            Group (artist) of each segment, kept on one side of every inner split.
        clips : np.ndarray [shape=(n,)], optional
            Clip id of each segment (every segment of a clip has the clip's genre).

        Returns
        -------
        self

        Raises
        ------
        ParameterError
            If the shapes do not fit, ``c_grid`` holds a non-positive value, or a clip's
            segments carry different genres.
        """
        from mgc_core.models._sklearn_common import _check_ids, _check_Xy, inner_splits

        X, y = _check_Xy(X, y, N_EMBEDDING)
        groups = _check_ids("groups", groups, X.shape[0])
        clips = _check_ids("clips", clips, X.shape[0])
        grids = (("c_grid", self.c_grid), ("prior_grid", self.prior_grid),
                 ("audioset_grid", self.audioset_grid))
        for name, grid in grids:
            if not grid or any(not np.isfinite(v) or v <= 0 for v in grid):
                raise ParameterError(f"{name} must hold positive numbers; got {grid!r}.")
        if clips is not None:
            X, y, groups = _clip_means(X, y, groups, clips)
        splits = inner_splits(y, groups, n_splits=self.n_splits, seed=self.seed)
        settings = [{"C": float(c), "prior": float(w), "audioset": float(a)}
                    for a in self.audioset_grid for w in self.prior_grid for c in self.c_grid]
        with _one_blas_thread():
            scores = [float(np.mean([_score(self._head(**p), X, y, tr, te)
                                     for tr, te in splits])) for p in settings]
            # Ties: the first, i.e. the first AudioSet weight, the smallest prior and the
            # strongest regularisation.
            best = int(np.argmax(scores))
            pipeline = self._head(**settings[best]).fit(X, y)
        self.best_params_ = settings[best]
        self.cv_score_ = scores[best]
        self.cv_scores_ = {(p["C"], p["prior"], p["audioset"]): sc
                           for p, sc in zip(settings, scores, strict=True)}
        self.cv_level_ = "clip" if clips is not None else "segment"
        self._set_pipeline(pipeline)
        return self

    def _extra_payload(self) -> dict[str, Any]:
        return {"cv_level": self.cv_level_}

    def _restore(self, payload: dict[str, Any]) -> None:
        self.cv_level_ = str(payload.get("cv_level", "segment"))

    @staticmethod
    def _read_params(params: dict[str, Any]) -> dict[str, Any]:
        # Heads saved before the prior and the AudioSet weight were chosen had none (1).
        return {"C": float(params["C"]), "prior": float(params.get("prior", 1.0)),
                "audioset": float(params.get("audioset", 1.0))}

    def _head(self, C: float, prior: float = 1.0, audioset: float = 1.0):  # noqa: ANN202, N803
        """The unfitted head: :class:`~mgc_core.models.prior_scaler.PriorScaler` (AudioSet's
        genre columns weighted by ``prior``, its other columns by ``audioset``) -> balanced
        logistic regression."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        from mgc_core.models.prior_scaler import PriorScaler

        return Pipeline([
            ("scale", PriorScaler(weights=((GENRE_COLUMNS, float(prior)),
                                           (AUDIOSET_COLUMNS, float(audioset))))),
            ("logreg", LogisticRegression(C=float(C), class_weight="balanced", max_iter=MAX_ITER,
                                          tol=TOL)),
        ])


def _clip_means(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, clips: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each clip's mean input, genre and group (clips stand in for missing groups)."""
    ids, first, index = np.unique(clips.astype(str), return_index=True, return_inverse=True)
    means = np.zeros((ids.size, X.shape[1]))
    np.add.at(means, index, X)
    means /= np.bincount(index)[:, None]
    if np.any(y != y[first][index]):
        raise ParameterError("every segment of a clip must carry the clip's genre; "
                             "check the clips and y given to fit.")
    clip_groups = (np.asarray(groups)[first] if groups is not None else ids)
    return means, y[first], clip_groups


def _one_blas_thread():  # noqa: ANN202
    """Limit BLAS to one thread: the head's matrices (a few hundred clips by 1411) are too
    small for threads, and OpenBLAS's spinning threads made each fit many times slower
    (14x beside a training network on two cores)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def _score(head, X, y, train, test) -> float:  # noqa: ANN001
    """Balanced accuracy of ``head`` trained on the ``train`` rows, on the ``test`` rows."""
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    from mgc_core.models._sklearn_common import genre_columns

    head.fit(X[train], y[train])
    pred = genre_columns(head.predict_proba(X[test]), head.classes_).argmax(axis=1)
    with warnings.catch_warnings():  # a fold may lack a genre; recall is still defined
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="A single label was found")
        return float(balanced_accuracy_score(y[test], pred))
