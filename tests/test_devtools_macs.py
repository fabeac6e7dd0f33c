"""Tests of the multiply-add counter of LiteRT networks (mgc_devtools.macs).

The fast tests count the bundled networks and check them against the counts made
independently: musicnn's from its Keras layers (:func:`mgc_devtools.runtimes.musicnn_macs`,
the README's 1.40 G), the AudioSet network's from its spec's layer table
(:func:`mgc_core.models.efficientat_lite.network_macs`), the CNN's from its Keras file and
the LSTM's (converted as two ``WHILE`` loops) from its sizes. The ``slow`` tests convert
tiny Keras networks with TensorFlow: every counted operator against a hand count, and a
bidirectional LSTM both as loops and unrolled into matrix products.
"""

from __future__ import annotations

import pytest

from mgc_core import assets
from mgc_core.errors import AssetError, ParameterError
from mgc_devtools import macs

MODELS = assets.ASSETS_DIR / "models"
#: The README's "1.40 G multiply-adds per 3-s patch" (test_devtools_runtimes checks it).
MUSICNN_MACS = 1_398_553_584


def _bundled(name: str):
    path = MODELS / name
    if not path.is_file():
        pytest.skip(f"{name} is not bundled")
    return path


@pytest.mark.parametrize("name", ["musicnn_msd.tflite", "musicnn_mtt.tflite"])
def test_musicnn_counts_its_keras_layers_multiply_adds(name):
    count = macs.count_macs(_bundled(name))
    assert count.total == MUSICNN_MACS and count.complete
    assert set(count.by_op) == {"CONV_2D", "FULLY_CONNECTED"}
    assert count.input_shapes == ((1, 187, 96),)
    assert count.zero_ops["MAX_POOL_2D"] > 0  # pooling is listed, at no cost


def test_musicnn_count_agrees_with_runtimes_musicnn_macs_of_the_keras_network():
    from mgc_core.models import musicnn as mn
    from mgc_devtools.runtimes import musicnn_macs

    keras_net = mn.load_musicnn(mn.bundled_model_path("MSD_musicnn"))
    assert macs.count_macs(_bundled("musicnn_msd.tflite")).total == musicnn_macs(keras_net)


def test_a_batch_costs_its_size_times_one_input():
    path = _bundled("musicnn_msd.tflite")
    assert macs.count_macs(path, input_shapes=[(3, 187, 96)]).total == 3 * MUSICNN_MACS


@pytest.mark.parametrize("frames", [100, 300, 1000])
def test_audioset_network_counts_the_spec_layer_table(frames):
    from mgc_core.models.efficientat_lite import network_macs

    path = _bundled("efficientat_mn04.tflite")
    count = macs.count_macs(path, input_shapes=[(2, 128, frames, 1)])
    assert count.total == 2 * network_macs(frames) and count.complete
    assert set(count.by_op) == {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}


def test_cnn_counts_its_keras_layers():
    import keras

    from mgc_devtools.runtimes import musicnn_macs

    path = _bundled("cnn.tflite")
    keras_path = _bundled("cnn.keras")
    batch = macs.input_signatures(path)[0][0]
    count = macs.count_macs(path)  # converted with a fixed batch
    assert count.input_shapes[0][0] == batch >= 1
    net = keras.models.load_model(keras_path, compile=False, safe_mode=True)
    assert count.total == batch * musicnn_macs(net)  # Conv1D and Dense layers


def test_lstm_loops_count_every_step_of_both_directions():
    from mgc_core.models import lstm

    path = _bundled("lstm.tflite")
    count = macs.count_macs(path)
    batch = count.input_shapes[0][0]
    frames, width = lstm.INPUT_SHAPE
    steps, units = frames // lstm.POOL, lstm.UNITS
    per_input = 2 * steps * 4 * units * (width + units) + 4 * units * 10  # + the dense head
    assert count.total == batch * per_input and count.complete
    if count.loops:  # converted as WHILE loops: each body ran once per step
        assert sorted(count.loops.values()) == [steps, steps]


def test_bytes_and_paths_count_alike():
    path = _bundled("musicnn_mtt.tflite")
    assert macs.count_macs(path.read_bytes()).total == macs.count_macs(str(path)).total


def test_to_dict_is_json_ready():
    import json

    d = macs.count_macs(_bundled("musicnn_msd.tflite")).to_dict()
    assert json.loads(json.dumps(d))["total"] == MUSICNN_MACS


def test_signatures_give_free_axes_as_minus_one():
    assert macs.input_signatures(_bundled("efficientat_mn04.tflite")) == ((-1, 128, -1, 1),)


def test_a_free_axis_besides_the_batch_needs_input_shapes():
    with pytest.raises(ParameterError, match="input_shapes"):
        macs.count_macs(_bundled("efficientat_mn04.tflite"))


@pytest.mark.parametrize("shapes", [[(1, 96, 187)], [(1, 187)], [(0, 187, 96)],
                                    [(1, 187, 96), (1, 187, 96)], "1,187,96"])
def test_shapes_that_do_not_fit_raise_a_parameter_error(shapes):
    with pytest.raises(ParameterError):
        macs.count_macs(_bundled("musicnn_msd.tflite"), input_shapes=shapes)


def test_not_a_network_raises_an_asset_error(tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"not a flatbuffer at all")
    with pytest.raises(AssetError):
        macs.count_macs(bad)
    with pytest.raises(AssetError, match="no .tflite file"):
        macs.count_macs(tmp_path / "missing.tflite")
    with pytest.raises(ParameterError):
        macs.count_macs(12)


# --------------------------------------------------------------------------- converted here


def _convert(model, *, batch=None) -> bytes:
    import os
    import tempfile

    import tensorflow as tf

    signature = ([tf.TensorSpec((batch, *model.input_shape[1:]), tf.float32)]
                 if batch else None)
    with tempfile.TemporaryDirectory() as tmp:
        model.export(os.path.join(tmp, "s"), format="tf_saved_model", verbose=False,
                     input_signature=signature)
        return tf.lite.TFLiteConverter.from_saved_model(os.path.join(tmp, "s")).convert()


@pytest.mark.slow
def test_every_counted_convolution_and_product_against_a_hand_count():
    import keras
    from keras import layers

    x = keras.Input((8, 6, 3))
    h = layers.Conv2D(4, 3, padding="same")(x)  # 8*6*4 outputs x 3*3*3 = 5184
    h = layers.DepthwiseConv2D(3, padding="same")(h)  # 8*6*4 x 3*3 = 1728
    h = layers.Conv2DTranspose(2, 2, strides=2)(h)  # 8*6*4 inputs x 2*2*2 = 1536
    h = layers.Reshape((16 * 12, 2))(h)
    h = layers.Dense(5)(h)  # 192*5 outputs x 2 = 1920
    g = layers.Reshape((16 * 12, 5))(h)
    h = layers.Dot(axes=1)([g, g])  # (5 x 192) @ (192 x 5): 25 x 192 = 4800
    y = layers.Dense(2)(layers.Flatten()(h))  # 2 x 25 = 50
    count = macs.count_macs(_convert(keras.Model(x, y)))
    assert count.by_op == {"CONV_2D": 5184, "DEPTHWISE_CONV_2D": 1728, "TRANSPOSE_CONV": 1536,
                           "FULLY_CONNECTED": 1920 + 50, "BATCH_MATMUL": 4800}
    assert count.complete


@pytest.mark.slow
@pytest.mark.parametrize("unroll", [False, True])
def test_a_bidirectional_lstm_counts_the_same_as_loops_or_unrolled(unroll):
    import keras
    from keras import layers

    x = keras.Input((20, 6))
    h = layers.AveragePooling1D(2)(x)  # 10 steps
    h = layers.Bidirectional(layers.LSTM(8, return_sequences=True, unroll=unroll))(h)
    y = layers.Dense(3)(layers.GlobalAveragePooling1D()(h))
    count = macs.count_macs(_convert(keras.Model(x, y), batch=None if unroll else 4),
                            input_shapes=[(4, 20, 6)])
    per_input = 2 * 10 * 4 * 8 * (6 + 8) + 16 * 3
    assert count.total == 4 * per_input, count.by_op
    assert count.complete and (bool(count.loops) != unroll)


def test_a_kernel_that_only_copies_is_not_counted():
    import numpy as np

    from mgc_devtools.macs import _is_selection

    eye = np.eye(4, dtype=np.float32).reshape(4, 1, 4, 1)  # (out, kh, kw, in)
    assert _is_selection(eye)
    assert not _is_selection(2 * eye)
    assert not _is_selection(np.ones((4, 1, 4, 1), np.float32))
    assert not _is_selection(None) and not _is_selection(np.zeros((0, 3)))

