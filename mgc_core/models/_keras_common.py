"""The training loop shared by the Keras genre models (CNN and LSTM), written once.

:class:`KerasGenreModel` implements :class:`~mgc_core.models.base.GenreModel`'s
``fit``, ``predict_proba``, ``save`` and ``load`` for a network built by a pure
``build_model(input_shape, num_classes)``; a subclass only names its inputs, its
network and its augmentation. The pieces, each used by both models:

- **seeding**: :func:`keras.utils.set_random_seed` (Python, NumPy and TensorFlow)
  before the network is built; augmentation draws from NumPy generators keyed on
  ``(seed, epoch, batch)``, so a batch does not depend on the order Keras asks for it.
  Training on CPU is then repeatable run to run in the same environment.
- **class balance**: :class:`BalancedBatches` draws every epoch's segments with
  probability inversely proportional to their class's frequency (balanced sampling
  with replacement), so each genre fills about a tenth of every epoch; the training
  loss needs no class weights. Validation segments are weighted by
  :func:`balanced_weights` (sklearn's "balanced"), so the validation loss and
  accuracy are class-balanced.
- **inner validation split** (:func:`inner_split`): ``VAL_FRACTION`` of the training
  segments, chosen by *group* (artist) with
  :class:`~sklearn.model_selection.StratifiedGroupKFold`, so no artist is on both
  sides and early stopping never sees test data; with no groups, clips; with
  neither, single segments (which leaks a clip's segments into validation: pass
  ``groups``).
- **optimisation**: Adam, the learning rate decaying along a cosine over the maximum
  number of epochs to ``FINAL_LR_FRACTION`` of its start; categorical cross-entropy
  on (mixup-)soft labels.
- **early stopping** (models with :attr:`~KerasGenreModel.early_stopping`, the LSTM):
  ``EarlyStopping(monitor="val_acc", mode="max",
  patience=patience, start_from_epoch=min_epochs, restore_best_weights=True)`` on
  the validation segments' *balanced accuracy* (accuracy weighted by
  :func:`balanced_weights`). On GTZAN's small, artist-grouped validation set (one or
  two clips for some genres) the validation loss kept rising through overconfidence
  while the balanced accuracy still improved, so the loss is a poor signal; and the
  first epochs' scores, at a high learning rate, are noise, hence ``min_epochs``.
  ``epochs_`` records the epoch kept. A model without early stopping (the CNN) trains on
  all its training segments for ``max_epochs`` and keeps the last weights: no inner
  split is held out, and a given ``validation`` set is only scored (``history_``).
- **normalisation**: the network's first layer, a :class:`keras.layers.Normalization`
  named ``"input_norm"``, is adapted to the training segments (per feature, over
  segments and frames) before training; its mean and variance are saved with it.
- **save / load**: a ``.keras`` file of the network alone (``fit`` keeps an
  uncompiled copy of the trained network, without optimizer state),
  read back with ``keras.saving.load_model(path, safe_mode=True, compile=False)``.
  Only built-in Keras layers are used, so safe mode needs no custom objects.
  :meth:`~KerasGenreModel.save` also writes the network converted to LiteRT beside it
  (``cnn.keras`` -> ``cnn.tflite``, batch fixed to :data:`LITE_BATCH`), which is what the
  app and the ``classify`` command load (:meth:`~KerasGenreModel.load` of a ``.tflite``
  file), without TensorFlow.
- **prediction**: one compiled predict function (``predict_on_batch``) over chunks of
  ``PREDICT_BATCH`` segments, float32 probabilities in GENRES order; a model loaded from
  ``.tflite`` runs on :class:`~mgc_core.models.lite.LiteNetwork` instead.

Augmentation helpers act on a NumPy batch ``(batch, frames, features)`` before the
network (so the saved model holds no augmentation layer): :func:`roll_time`,
:func:`mask_time`, :func:`mask_features` and :func:`mixup`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models.base import GenreModel

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = [
    "SEED",
    "VAL_FRACTION",
    "PREDICT_BATCH",
    "LITE_BATCH",
    "NORM_LAYER",
    "Augment",
    "KerasGenreModel",
    "BalancedBatches",
    "set_seed",
    "balanced_weights",
    "inner_split",
    "roll_time",
    "mask_time",
    "mask_features",
    "mixup",
    "save_keras",
    "load_keras",
    "predict_in_batches",
]

#: Default seed of every fit.
SEED = 20240
#: Share of the training segments (by group) held out for early stopping.
VAL_FRACTION = 0.15
#: Segments per call of the compiled predict function.
PREDICT_BATCH = 256
#: Segments per invocation of the converted ``.tflite`` networks (their batch is fixed:
#: the LSTM's loop converts only with static shapes; the last chunk is zero-padded).
LITE_BATCH = 8
#: Name of the :class:`keras.layers.Normalization` layer adapted before training.
NORM_LAYER = "input_norm"
#: The learning rate decays along a cosine over the epochs to this fraction of its start.
FINAL_LR_FRACTION = 0.05
#: What early stopping watches: the validation segments' balanced accuracy (accuracy
#: weighted by :func:`balanced_weights`, i.e. the mean per-genre recall).
MONITOR = "val_acc"
NUM_CLASSES = len(GENRES)

#: ``augment(x, y, rng) -> (x, y)``: a float32 batch ``(b, t, f)`` and its soft labels ``(b, 10)``.
Augment = Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]


# --------------------------------------------------------------------------- pieces


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (:func:`keras.utils.set_random_seed`)."""
    import keras

    keras.utils.set_random_seed(int(seed))


def balanced_weights(y: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Per-sample weights ``n / (k * count[y])`` (sklearn's "balanced"), float32.

    ``k`` counts the classes present, so the weights average 1.
    """
    y = np.asarray(y)
    counts = np.bincount(y, minlength=num_classes).astype(np.float64)
    present = int(np.count_nonzero(counts))
    per_class = np.divide(len(y), present * counts, out=np.zeros_like(counts), where=counts > 0)
    return per_class[y].astype(np.float32)


def inner_split(
    y: np.ndarray,
    groups: np.ndarray | None,
    *,
    fraction: float = VAL_FRACTION,
    seed: int = SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """Split training segments into (train, validation) indices, keeping groups apart.

    One fold of :func:`mgc_core.evaluation.splits.grouped_kfold` with
    ``round(1 / fraction)`` folds (shuffled with ``seed``): about ``fraction`` of the
    segments, whole groups only, with the genres in about their overall proportions.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Integer labels.
    groups : np.ndarray [shape=(n,)] or None
        Group of each segment (the artist). ``None``: every segment is its own group.
    fraction : float in (0, 0.5]
    seed : int

    Returns
    -------
    train, val : np.ndarray of int
        Indices into ``y``; ``val`` is empty when there are fewer than two groups.
    """
    from mgc_core.evaluation.splits import grouped_kfold

    if not 0.0 < fraction <= 0.5:
        raise ParameterError(f"fraction must be in (0, 0.5]; got {fraction}.")
    y = np.asarray(y)
    n = len(y)
    codes = (np.arange(n) if groups is None
             else np.unique(np.asarray(groups).astype(str), return_inverse=True)[1])
    # StratifiedGroupKFold refuses more folds than the largest class has members:
    # on tiny data use fewer (larger) folds rather than fail.
    largest_class = int(np.bincount(np.unique(y, return_inverse=True)[1]).max()) if n else 0
    n_splits = max(2, min(round(1.0 / fraction), largest_class))
    if len(np.unique(codes)) < n_splits or largest_class < 2:
        return np.arange(n), np.arange(0)
    train, val = grouped_kfold(y, codes, n_splits=n_splits, seed=seed)[0]
    return np.sort(train), np.sort(val)


# --------------------------------------------------------------------------- augmentation


def roll_time(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Roll each example circularly along time (axis 1) by a random number of frames."""
    b, t = x.shape[:2]
    shift = rng.integers(0, t, size=b)
    index = (np.arange(t)[None, :] + shift[:, None]) % t
    return x[np.arange(b)[:, None], index]


def _mask(x: np.ndarray, rng: np.random.Generator, *, axis: int, count: int,
          width: int) -> np.ndarray:
    """Replace ``count`` random bands of up to ``width`` along ``axis`` by the example's mean."""
    x = np.array(x, copy=True)
    b, size = x.shape[0], x.shape[axis]
    fill = x.mean(axis=(1, 2))
    for _ in range(count):
        w = rng.integers(0, width + 1, size=b)
        start = rng.integers(0, np.maximum(size - w, 0) + 1)
        for i in range(b):  # slices in place: cheaper than a masked copy of the batch
            band = slice(start[i], start[i] + w[i])
            if axis == 1:
                x[i, band, :] = fill[i]
            else:
                x[i, :, band] = fill[i]
    return x


def mask_time(x: np.ndarray, rng: np.random.Generator, *, count: int, width: int) -> np.ndarray:
    """SpecAugment time masks: ``count`` spans of 0..``width`` frames set to the example's mean."""
    return _mask(x, rng, axis=1, count=count, width=width)


def mask_features(x: np.ndarray, rng: np.random.Generator, *, count: int,
                  width: int) -> np.ndarray:
    """SpecAugment frequency masks: ``count`` spans of 0..``width`` features (axis 2)."""
    return _mask(x, rng, axis=2, count=count, width=width)


def mixup(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    *,
    alpha: float,
    share: float,
    mix: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mixup (Zhang et al., 2018) of a share of the batch with a shuffled partner.

    Each example is mixed, with probability ``share``, with another of the batch by a
    weight ``lam ~ Beta(alpha, alpha)`` kept ``>= 0.5`` (the example stays dominant);
    its soft label is mixed likewise. ``mix(a, b, lam)`` combines inputs (default
    linear; the CNN mixes in the power domain).
    """
    b = x.shape[0]
    partner = rng.permutation(b)
    lam = rng.beta(alpha, alpha, size=b)
    lam = np.maximum(lam, 1.0 - lam)
    lam = np.where(rng.random(b) < share, lam, 1.0).astype(np.float32)
    mix = mix or (lambda a, c, w: w * a + (1.0 - w) * c)
    x = mix(x, x[partner], lam[:, None, None]).astype(np.float32)
    y = lam[:, None] * y + (1.0 - lam[:, None]) * y[partner]
    return x, y.astype(np.float32)


def _batches_base() -> type:
    import keras

    return keras.utils.PyDataset


class BalancedBatches:
    """Class-balanced, augmented training batches (a :class:`keras.utils.PyDataset`).

    Created by :meth:`make`; each epoch draws ``len(y)`` segments with replacement,
    with probability inversely proportional to their class count, and passes every
    batch through ``augment`` with a generator seeded by ``(seed, epoch, batch)``.
    """

    @staticmethod
    def make(X: np.ndarray, y: np.ndarray, *, batch_size: int, seed: int,
             augment: Augment | None) -> Any:
        """A PyDataset over ``X`` (float32 ``(n, t, f)``) and labels ``y``."""
        base = _batches_base()

        class _Batches(base):
            def __init__(self) -> None:
                super().__init__(workers=1, use_multiprocessing=False)
                counts = np.bincount(y, minlength=NUM_CLASSES).astype(np.float64)
                p = 1.0 / counts[y]
                self.p = p / p.sum()
                self.onehot = np.eye(NUM_CLASSES, dtype=np.float32)[y]
                self.epoch = 0
                self.order = self._draw()

            def _draw(self) -> np.ndarray:
                rng = np.random.default_rng([seed, self.epoch, 0xBA1])
                return rng.choice(len(y), size=len(y), replace=True, p=self.p)

            def __len__(self) -> int:
                return int(np.ceil(len(y) / batch_size))

            def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
                idx = self.order[i * batch_size:(i + 1) * batch_size]
                xb, yb = X[idx], self.onehot[idx]
                if augment is not None:
                    xb, yb = augment(xb, yb, np.random.default_rng([seed, self.epoch, i]))
                return np.ascontiguousarray(xb, dtype=np.float32), yb.astype(np.float32)

            def on_epoch_end(self) -> None:
                self.epoch += 1
                self.order = self._draw()

        return _Batches()


# --------------------------------------------------------------------------- files & predict


def save_keras(model: keras.Model, path: str | os.PathLike) -> Path:
    """Write ``model`` (architecture and weights) to a ``.keras`` file.

    The file also holds the optimizer's state if ``model`` is compiled; the models
    save the uncompiled copy that :meth:`KerasGenreModel.fit` keeps.
    """
    import keras

    path = Path(path)
    if path.suffix != ".keras":
        raise ParameterError(f"Keras models are saved as .keras files; got {str(path)!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    keras.saving.save_model(model, path)
    return path


def load_keras(path: str | os.PathLike) -> keras.Model:
    """Read a ``.keras`` file with ``safe_mode=True`` and ``compile=False``.

    Raises
    ------
    AssetError
        The file is missing, not a ``.keras`` archive, or holds something that safe
        mode refuses (e.g. a ``Lambda`` layer) or that does not build.
    """
    import keras

    path = Path(path)
    if path.suffix != ".keras":
        raise AssetError(f"{path} is not a .keras file; Keras models are read only from .keras.")
    if not path.is_file():
        raise AssetError(f"Model file {path} is missing: build it with "
                         f"`python -m mgc_core train --gtzan DIR --models {path.stem}`.")
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as err:
        raise AssetError(f"Model file {path} could not be loaded safely: {err}") from err


def predict_in_batches(model: keras.Model, X: np.ndarray, *, batch_size: int = PREDICT_BATCH
                       ) -> np.ndarray:
    """Probabilities of ``model`` on ``X`` through its compiled predict function, float32."""
    out = [np.asarray(model.predict_on_batch(X[i:i + batch_size]))
           for i in range(0, len(X), batch_size)]
    if not out:
        return np.zeros((0, NUM_CLASSES), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)


# --------------------------------------------------------------------------- the model


class KerasGenreModel(GenreModel):
    """A :class:`GenreModel` whose classifier is a Keras network trained on segments.

    Subclasses set :attr:`name`, :attr:`file_name`, :attr:`input_shape`, the training
    constants below, and implement :meth:`inputs`, :meth:`build` (calling their
    module's pure ``build_model``) and optionally :meth:`augment`.

    Parameters
    ----------
    seed : int
        Seed of the network's initialisation, the inner split, sampling and
        augmentation.

    Attributes
    ----------
    model_ : keras.Model
        The fitted network (after :meth:`fit` or :meth:`load`).
    history_ : dict of str to list of float
        Keras's history per epoch: ``loss``, ``acc`` and, with validation, ``val_loss``
        and ``val_acc`` (balanced) (after :meth:`fit`).
    epochs_ : int
        The epoch whose weights were kept (after :meth:`fit`): the last one without
        :attr:`early_stopping`.
    """

    #: ``(frames, features)`` of one segment's input.
    input_shape: ClassVar[tuple[int, int]] = (0, 0)
    served_suffix: ClassVar[str | None] = ".tflite"
    max_epochs: ClassVar[int] = 30
    patience: ClassVar[int] = 6
    #: Epochs trained before early stopping starts to watch (Keras's ``start_from_epoch``).
    min_epochs: ClassVar[int] = 0
    #: Hold out an inner validation split and stop early on it; ``False``: train on every
    #: training segment for the full ``max_epochs`` and keep the last weights.
    early_stopping: ClassVar[bool] = True
    batch_size: ClassVar[int] = 64
    learning_rate: ClassVar[float] = 1e-3

    def __init__(self, *, seed: int = SEED) -> None:
        self.seed = seed

    # -- to override --------------------------------------------------------
    def build(self) -> keras.Model:
        """A fresh, uncompiled network for :attr:`input_shape` and 10 classes."""
        raise NotImplementedError

    def augment(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
        """Training-time augmentation of a batch and its soft labels (default: none)."""
        return x, y

    # -- checks -------------------------------------------------------------
    def _check_X(self, X: np.ndarray, what: str = "X") -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 3 or tuple(X.shape[1:]) != tuple(self.input_shape):
            raise ParameterError(
                f"{what} must be segment inputs of shape (n, {self.input_shape[0]}, "
                f"{self.input_shape[1]}) from {type(self).__name__}().inputs(front); "
                f"got {X.shape}.")
        X = X.astype(np.float32, copy=False)
        if not np.all(np.isfinite(X)):
            raise ParameterError(f"{what} contains NaN or infinite values.")
        return X

    @staticmethod
    def _check_y(y: np.ndarray, n: int, what: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
            raise ParameterError(f"{what} must be {n} integer labels (GENRES indices); "
                                 f"got shape {y.shape}, dtype {y.dtype}.")
        if n and (y.min() < 0 or y.max() >= NUM_CLASSES):
            raise ParameterError(f"{what} must hold GENRES indices 0..{NUM_CLASSES - 1}; "
                                 f"got {y.min()}..{y.max()}.")
        return y.astype(np.int64)

    def _fitted(self) -> keras.Model:
        model = getattr(self, "model_", None)
        if model is None and getattr(self, "lite_", None) is not None:
            raise ParameterError(
                f"This {type(self).__name__} was loaded from its .tflite file, which only "
                f"predicts: load the .keras file (with TensorFlow) to save or convert it.")
        if model is None:
            raise ParameterError(f"This {type(self).__name__} is not fitted: call fit() or load().")
        return model

    # -- GenreModel ---------------------------------------------------------
    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        groups: np.ndarray | None = None,
        clips: np.ndarray | None = None,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
        epochs: int | None = None,
        verbose: int = 0,
    ) -> KerasGenreModel:
        """Train the network on segments; early stopping on an inner grouped split.

        Parameters
        ----------
        X : np.ndarray [shape=(n, *input_shape)]
            Segment inputs from :meth:`inputs`.
        y : np.ndarray [shape=(n,)]
            GENRES indices.
        groups : np.ndarray [shape=(n,)], optional
            Artist group of each segment: the inner validation split keeps groups apart.
        clips : np.ndarray [shape=(n,)], optional
            Clip id of each segment, the groups used when ``groups`` is not given.
        validation : tuple (X_val, y_val), optional
            A given validation set for early stopping (e.g. the filtered split's
            ``valid`` clips) instead of the inner split.
        epochs : int, optional
            Maximum number of epochs (default :attr:`max_epochs`).
        verbose : int
            Keras's ``verbose`` for ``fit``.

        Returns
        -------
        self
        """
        import keras

        X = self._check_X(X)
        y = self._check_y(y, len(X))
        if len(X) == 0:
            raise ParameterError("X holds no segments to train on.")
        for what, arr in (("groups", groups), ("clips", clips)):
            if arr is not None and len(arr) != len(X):
                raise ParameterError(f"{what} must have one entry per segment ({len(X)}); "
                                     f"got {len(arr)}.")
        epochs = self.max_epochs if epochs is None else int(epochs)
        if epochs < 1:
            raise ParameterError(f"epochs must be >= 1; got {epochs}.")

        if validation is not None:
            X_tr, y_tr = X, y
            X_val = self._check_X(validation[0], "validation X")
            y_val = self._check_y(validation[1], len(X_val), "validation y")
        elif not self.early_stopping:
            X_tr, y_tr, X_val, y_val = X, y, X[:0], y[:0]
        else:
            train, val = inner_split(y, groups if groups is not None else clips, seed=self.seed)
            X_tr, y_tr, X_val, y_val = X[train], y[train], X[val], y[val]

        set_seed(self.seed)
        model = self.build()
        model.get_layer(NORM_LAYER).adapt(X_tr)
        batches = BalancedBatches.make(X_tr, y_tr, batch_size=self.batch_size, seed=self.seed,
                                       augment=self.augment)
        schedule = keras.optimizers.schedules.CosineDecay(
            self.learning_rate, decay_steps=epochs * len(batches), alpha=FINAL_LR_FRACTION)
        model.compile(optimizer=keras.optimizers.Adam(schedule),
                      loss=keras.losses.CategoricalCrossentropy(),
                      weighted_metrics=[keras.metrics.CategoricalAccuracy(name="acc")],
                      jit_compile=False)
        callbacks, val_data = [], None
        if len(X_val):
            val_data = (X_val, np.eye(NUM_CLASSES, dtype=np.float32)[y_val],
                        balanced_weights(y_val))
        if len(X_val) and self.early_stopping:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor=MONITOR, mode="max", patience=self.patience,
                start_from_epoch=min(self.min_epochs, epochs - 1), restore_best_weights=True))
        history = model.fit(batches, validation_data=val_data, epochs=epochs,
                            callbacks=callbacks, verbose=verbose)
        self.history_ = {k: [float(v) for v in vals] for k, vals in history.history.items()}
        scores = self.history_.get(MONITOR) if self.early_stopping else None
        self.epochs_ = int(np.argmax(scores)) + 1 if scores else len(self.history_["loss"])
        self.model_ = self._inference_copy(model)
        return self

    def _inference_copy(self, trained: keras.Model) -> keras.Model:
        """An uncompiled network from :meth:`build` holding ``trained``'s weights.

        Drops the optimizer and its state, so that :meth:`save` writes the network only.
        """
        model = self.build()
        model.set_weights(trained.get_weights())
        # Normalization caches its mean and variance when adapted or loaded; refresh
        # them from the variables just set (what Keras does after loading a file).
        model.get_layer(NORM_LAYER).finalize_state()
        return model

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Segment probabilities, float32 ``(n, 10)`` in GENRES order, rows summing to 1.

        Run by LiteRT when the model was loaded from ``.tflite``, else by Keras.
        """
        lite = getattr(self, "lite_", None)
        if lite is not None:
            return lite.run(self._check_X(X))[0]
        return predict_in_batches(self._fitted(), self._check_X(X))

    def to_tflite(self) -> bytes:
        """The fitted network converted to LiteRT (batch :data:`LITE_BATCH`; needs TensorFlow)."""
        from mgc_core.models.lite import convert_keras

        return convert_keras(self._fitted(), batch=LITE_BATCH)

    def save_served(self, path: str | os.PathLike) -> None:
        """Write the network converted to LiteRT (:meth:`to_tflite`; needs TensorFlow)."""
        Path(path).write_bytes(self.to_tflite())

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted network to a ``.keras`` file (no optimizer state), and the same
        network converted to LiteRT beside it (:meth:`served_path`), what the app serves."""
        save_keras(self._fitted(), path)
        self.save_served(self.served_path(path))

    @classmethod
    def load(cls, path: str | os.PathLike) -> KerasGenreModel:
        """Read a network written by :meth:`save`: the ``.keras`` file (in safe mode, with
        TensorFlow) or the converted ``.tflite`` file (LiteRT only; it predicts but does not
        train or save).

        Raises
        ------
        AssetError
            The file is missing or unsafe, or its input shape is not
            :attr:`input_shape`.
        """
        if Path(path).suffix == ".tflite":
            return cls._load_lite(Path(path))
        model = load_keras(path)
        shape = tuple(model.input_shape[1:])
        if shape != tuple(cls.input_shape) or model.output_shape[-1] != NUM_CLASSES:
            raise AssetError(f"{path} holds a network for inputs {shape} and "
                             f"{model.output_shape[-1]} classes, not a {cls.__name__} "
                             f"({cls.input_shape}, {NUM_CLASSES}).")
        self = cls()
        self.model_ = model
        return self

    @classmethod
    def _load_lite(cls, path: Path) -> KerasGenreModel:
        from mgc_core.models.lite import LiteNetwork

        rebuild = cls._served_rebuild()
        if not path.is_file():
            raise AssetError(f"Model file {path} is missing: build it with `{rebuild}`.")
        net = LiteNetwork(path.read_bytes(), name=cls.name, rebuild=rebuild, batch=LITE_BATCH)
        net.check_item_shape(cls.input_shape)
        if net.output_widths != (NUM_CLASSES,):
            raise AssetError(f"{path} has outputs of widths {net.output_widths}, not one of "
                             f"{NUM_CLASSES} genres. Rebuild it with `{rebuild}`.")
        self = cls()
        self.lite_ = net
        return self
