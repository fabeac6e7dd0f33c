"""Multiply-adds of a LiteRT (``.tflite``) network, counted from its graph.

:func:`count_macs` reads the operators of every subgraph from the flatbuffer
(LiteRT's own schema, ``ai_edge_litert.schema_py_generated``) and the shapes of their
tensors from LiteRT's interpreter, run once on zeros at the input shapes asked for
(so that shapes computed at run time and loop counts are known). It knows nothing of
the network it counts: any ``.tflite`` file will do.

Counted, one multiply-add per weight per output position:

=================================  ==========================================================
operator                           multiply-adds
=================================  ==========================================================
``CONV_2D``, ``CONV_3D``           output elements x kernel elements per output channel
``DEPTHWISE_CONV_2D``              output elements x kernel height x kernel width
``TRANSPOSE_CONV``                 input elements x kernel elements per input channel
``FULLY_CONNECTED``                output elements x input width
``BATCH_MATMUL``                   output elements x the contracted dimension
``LSTM``, ``UNIDIRECTIONAL_``      steps x batch x elements of the input, recurrent and
``SEQUENCE_LSTM``,                 projection weights (both directions)
``BIDIRECTIONAL_SEQUENCE_LSTM``
=================================  ==========================================================

A ``WHILE`` loop (what the converter makes of a Keras LSTM it cannot fuse) counts its body
once per iteration: the iterations are read from the loop's counter (the body output that
is its input plus one) before and after the run. A recurrent layer unrolled into
matrix products is simply counted op by op. Everything else (activations, additions,
pooling, reshapes, means, a convolution whose kernel only copies inputs, ...) costs no
multiply-add here and is listed in :attr:`MacCount.zero_ops`; operators that do
multiply-adds this counter does not model (``SVDF``, plain RNN cells, custom operators,
``IF``, a loop whose count is unknown) are listed in :attr:`MacCount.uncounted`, so that
a total is never silently short.

Examples
--------
>>> count = count_macs("assets/models/musicnn_msd.tflite")  # doctest: +SKIP
>>> count.total                                            # doctest: +SKIP
1398553584
>>> count_macs("assets/models/efficientat_mn04.tflite",
...            input_shapes=[(1, 128, 300, 1)]).total       # doctest: +SKIP
34088704
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError

__all__ = ["MacCount", "count_macs", "input_signatures", "COUNTED_OPS", "UNCOUNTED_OPS"]

#: Operators whose multiply-adds are counted.
COUNTED_OPS = (
    "CONV_2D", "CONV_3D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED",
    "BATCH_MATMUL", "LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM",
)
#: Operators that do multiply-adds this counter does not model (reported, never zero).
UNCOUNTED_OPS = (
    "SVDF", "RNN", "UNIDIRECTIONAL_SEQUENCE_RNN", "BIDIRECTIONAL_SEQUENCE_RNN",
    "CONV_3D_TRANSPOSE", "CUSTOM", "IF", "STABLEHLO_CONVOLUTION", "STABLEHLO_DOT_GENERAL",
)
# Weight inputs of the LSTM operators (input-to-gate, recurrent-to-gate, projection),
# by input position in LiteRT's operator definitions; peepholes and biases are elementwise.
_LSTM_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 16)
_BILSTM_WEIGHTS = (*_LSTM_WEIGHTS, 18, 19, 20, 21, 22, 23, 24, 25, 33)
_CONTROL = ("WHILE", "CALL_ONCE")


@dataclass(frozen=True)
class MacCount:
    """The multiply-adds of one invocation of a network at given input shapes.

    Attributes
    ----------
    total : int
        Multiply-adds of one invocation (the whole batch given).
    by_op : dict of str to int
        ``total`` split by operator.
    zero_ops : dict of str to int
        How many operators of each kind were counted as costing nothing (elementwise
        operations, pooling, reductions, data movement), loop bodies included once.
    uncounted : dict of str to int
        Operators that do multiply-adds but are not counted (see :data:`UNCOUNTED_OPS`;
        ``"WHILE"`` for a loop whose iterations could not be read). Empty when
        ``total`` is complete.
    input_shapes : tuple of tuple of int
        The shapes counted at, one per input.
    loops : dict of int to int
        Times each loop body subgraph ran in one invocation, by subgraph index.
    """

    total: int
    by_op: dict[str, int]
    zero_ops: dict[str, int]
    uncounted: dict[str, int] = field(default_factory=dict)
    input_shapes: tuple[tuple[int, ...], ...] = ()
    loops: dict[int, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether every operator that does multiply-adds was counted."""
        return not self.uncounted

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"total": self.total, "by_op": dict(self.by_op), "zero_ops": dict(self.zero_ops),
                "uncounted": dict(self.uncounted),
                "input_shapes": [list(s) for s in self.input_shapes],
                "loops": {str(k): v for k, v in self.loops.items()}}


def _read(model: bytes | bytearray | memoryview | str | os.PathLike) -> bytes:
    if isinstance(model, bytes | bytearray | memoryview):
        return bytes(model)
    if isinstance(model, str | os.PathLike):
        path = Path(model)
        if not path.is_file():
            raise AssetError(f"no .tflite file at {path}.")
        return path.read_bytes()
    raise ParameterError(f"model must be a .tflite file's path or bytes; got "
                         f"{type(model).__name__}.")


def _interpreter(content: bytes, *, preserve: bool) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError as err:  # pragma: no cover - it is in requirements.txt
        raise AssetError("LiteRT is not installed (ai-edge-litert, in requirements.txt): "
                         "run `make setup`.") from err
    try:
        # No XNNPACK: every operator stays in the graph, and counting costs one thread.
        return Interpreter(
            model_content=content, num_threads=1,
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
            experimental_preserve_all_tensors=preserve,
        )
    except (ValueError, RuntimeError) as err:
        raise AssetError(f"not a loadable .tflite network ({err}).") from err


def input_signatures(model: bytes | str | os.PathLike) -> tuple[tuple[int, ...], ...]:
    """The shape signature of each input of a ``.tflite`` network (-1 for a free axis).

    Examples
    --------
    >>> input_signatures("assets/models/musicnn_msd.tflite")  # doctest: +SKIP
    ((-1, 187, 96),)
    """
    interp = _interpreter(_read(model), preserve=False)
    return tuple(tuple(int(v) for v in d.get("shape_signature", d["shape"]))
                 for d in interp.get_input_details())


def _op_names() -> dict[int, str]:
    from ai_edge_litert import schema_py_generated as schema

    return {v: k for k, v in vars(schema.BuiltinOperator).items()
            if not k.startswith("_") and isinstance(v, int)}


def _resolve_shapes(signatures: tuple[tuple[int, ...], ...],
                    input_shapes: Sequence[Sequence[int]] | None) -> list[tuple[int, ...]]:
    if input_shapes is None:
        shapes = []
        for sig in signatures:
            if any(v < 0 for v in sig[1:]):
                raise ParameterError(
                    f"the network's input {sig} has a free axis besides the batch: give "
                    "input_shapes, e.g. input_shapes=[(1, 128, 300, 1)].")
            shapes.append((1, *sig[1:]) if sig and sig[0] < 0 else tuple(sig))
        return shapes
    if isinstance(input_shapes, (str, bytes)) or len(input_shapes) != len(signatures):
        raise ParameterError(f"input_shapes must give one shape per input ({len(signatures)}); "
                             f"got {input_shapes!r}.")
    shapes = []
    for sig, shape in zip(signatures, input_shapes, strict=True):
        shape = tuple(shape)
        if (len(shape) != len(sig)
                or any(isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1
                       for v in shape)
                or any(s >= 0 and s != v for s, v in zip(sig, shape, strict=True))):
            raise ParameterError(f"input shape {shape} does not fit the network's input "
                                 f"{sig} (-1: any positive size).")
        shapes.append(tuple(int(v) for v in shape))
    return shapes


def count_macs(
    model: bytes | str | os.PathLike,
    *,
    input_shapes: Sequence[Sequence[int]] | None = None,
) -> MacCount:
    """Count the multiply-adds of one invocation of a ``.tflite`` network.

    Parameters
    ----------
    model : bytes or path-like
        The ``.tflite`` file, or its bytes.
    input_shapes : sequence of shapes, optional
        One shape per input, fitting its signature (``-1`` axes free). By default the
        signature with a free batch axis set to 1 (an error if another axis is free).

    Returns
    -------
    MacCount

    Raises
    ------
    ParameterError
        If ``input_shapes`` does not fit the network's inputs.
    AssetError
        If ``model`` is not a loadable ``.tflite`` network, or LiteRT cannot run it at
        those shapes.

    Examples
    --------
    >>> count_macs("assets/models/musicnn_msd.tflite", input_shapes=[(4, 187, 96)]).total
    ... # doctest: +SKIP
    5594214336
    """
    from ai_edge_litert import schema_py_generated as schema

    content = _read(model)
    try:
        graph = schema.ModelT.InitFromPackedBuf(content, 0)
    except Exception as err:  # noqa: BLE001 - a corrupt flatbuffer raises anything
        raise AssetError(f"not a .tflite flatbuffer ({type(err).__name__}: {err}).") from err
    names = _op_names()

    def op_name(op: Any) -> str:
        code = graph.operatorCodes[op.opcodeIndex]
        return names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "UNKNOWN")

    ops = [[(op_name(op), op) for op in (sg.operators or [])] for sg in graph.subgraphs]
    has_loops = any(name == "WHILE" for sg in ops for name, _ in sg)
    interp = _interpreter(content, preserve=has_loops)
    inputs = interp.get_input_details()
    signatures = tuple(tuple(int(v) for v in d.get("shape_signature", d["shape"]))
                       for d in inputs)
    shapes_in = _resolve_shapes(signatures, input_shapes)
    try:
        for d, shape in zip(inputs, shapes_in, strict=True):
            interp.resize_tensor_input(d["index"], shape)
        interp.allocate_tensors()
        for d, shape in zip(inputs, shapes_in, strict=True):
            interp.set_tensor(d["index"], np.zeros(shape, dtype=d["dtype"]))
        interp.invoke()
    except (ValueError, RuntimeError) as err:
        raise AssetError(f"LiteRT could not run the network at input shapes {shapes_in} "
                         f"({err}).") from err

    shapes: dict[int, dict[int, tuple[int, ...]]] = {}

    def shape(sg: int, t: int) -> tuple[int, ...]:
        if sg not in shapes:
            shapes[sg] = {int(d["index"]): tuple(int(v) for v in d["shape"])
                          for d in interp.get_tensor_details(sg)}
        return shapes[sg][int(t)]

    def value(sg: int, t: int) -> np.ndarray | None:
        try:
            return np.asarray(interp.get_tensor(int(t), sg))
        except (ValueError, RuntimeError):
            return None

    def trips(sg: int, op: Any) -> int | None:
        """Iterations of a WHILE op, from its counter's value before and after."""
        body = op.builtinOptions.bodySubgraphIndex
        bsg = graph.subgraphs[body]
        b_in, b_out = list(bsg.inputs), list(bsg.outputs)
        for name, bop in ops[body]:
            if name != "ADD" or len(bop.inputs) != 2 or bop.outputs[0] not in b_out:
                continue
            k = b_out.index(bop.outputs[0])
            if k >= len(b_in) or b_in[k] not in bop.inputs:
                continue
            other = [t for t in bop.inputs if t != b_in[k]]
            step = value(body, other[0]) if other else None
            if step is None or step.size != 1 or int(step.ravel()[0]) != 1:
                continue
            before, after = value(sg, op.inputs[k]), value(sg, op.outputs[k])
            if before is not None and after is not None and before.size == after.size == 1:
                return int(after.ravel()[0]) - int(before.ravel()[0])
        return None

    by_op: Counter[str] = Counter()
    zero: Counter[str] = Counter()
    uncounted: Counter[str] = Counter()
    loops: dict[int, int] = {}
    # Subgraph 0 runs once; a loop's body runs once per iteration of every run of its parent.
    pending = [(0, 1)]
    while pending:
        sg, times = pending.pop()
        for name, op in ops[sg]:
            if name == "WHILE":
                n = trips(sg, op)
                if n is None:
                    uncounted[name] += 1
                    continue
                body = op.builtinOptions.bodySubgraphIndex
                loops[body] = loops.get(body, 0) + times * n
                pending.append((body, times * n))
            elif name == "CONV_2D" and _is_selection(value(sg, op.inputs[1])):
                zero["CONV_2D (selection)"] += 1
            elif name in COUNTED_OPS:
                by_op[name] += times * _op_macs(name, op, lambda t, sg=sg: shape(sg, t))
            elif name in UNCOUNTED_OPS:
                uncounted[name] += 1
            elif name not in _CONTROL:
                zero[name] += 1
    return MacCount(
        total=int(sum(by_op.values())), by_op=dict(by_op), zero_ops=dict(sorted(zero.items())),
        uncounted=dict(uncounted), input_shapes=tuple(shapes_in), loops=loops,
    )


def _is_selection(weights: np.ndarray | None) -> bool:
    """Whether a convolution's kernel only copies: 0s and 1s, one 1 per output channel.

    Such a convolution (``musicnn_lite.serving_graph`` unfolds mel bands into channels
    with one) moves data and does no arithmetic that the network needs.
    """
    if weights is None or weights.ndim < 2 or weights.size == 0:
        return False
    w = weights.reshape(weights.shape[0], -1)
    return bool(np.isin(w, (0.0, 1.0)).all() and (w.sum(axis=1) == 1).all())


def _op_macs(name: str, op: Any, shape: Any) -> int:
    """Multiply-adds of one counted operator, given ``shape(tensor) -> tuple``."""

    def numel(t: int) -> int:
        return int(np.prod(shape(t), dtype=np.int64))

    x, w = op.inputs[0], op.inputs[1] if len(op.inputs) > 1 else -1
    out = op.outputs[0]
    if name in ("CONV_2D", "CONV_3D"):
        # CONV_2D weights are (out, kh, kw, in / groups); CONV_3D's (kd, kh, kw, in, out).
        per_out = shape(w)[-1] if name == "CONV_3D" else shape(w)[0]
        return numel(out) * (numel(w) // per_out)
    if name == "DEPTHWISE_CONV_2D":  # weights (1, kh, kw, out)
        return numel(out) * shape(w)[1] * shape(w)[2]
    if name == "TRANSPOSE_CONV":  # inputs (output shape, weights (out, kh, kw, in), input)
        w, x = op.inputs[1], op.inputs[2]
        return numel(x) * (numel(w) // shape(w)[-1])
    if name == "FULLY_CONNECTED":  # weights (units, in)
        return numel(out) * shape(w)[-1]
    if name == "BATCH_MATMUL":
        adj_x = bool(getattr(op.builtinOptions, "adjX", False))
        return numel(out) * shape(x)[-2 if adj_x else -1]
    # The LSTM family: every step of every sequence multiplies by each weight matrix once.
    positions = _LSTM_WEIGHTS if name != "BIDIRECTIONAL_SEQUENCE_LSTM" else _BILSTM_WEIGHTS
    weights = sum(numel(op.inputs[i]) for i in positions
                  if i < len(op.inputs) and op.inputs[i] >= 0)
    steps_x_batch = numel(x) // shape(x)[-1]
    return steps_x_batch * weights
