"""The BERT encoder layers on ONNX Runtime: the same forward pass as numpy, about twice as fast per query.

A query's forward pass is a few hundred small matrix products, where ONNX Runtime's fused CPU kernels
(`Attention`, `SkipLayerNormalization`, `BiasGelu` from its `com.microsoft` domain) and prepacked
weights beat numpy's one-call-per-operation. The graph is structure only (a few kB, built in memory from
the `BertSpec` in milliseconds, so there is no file to go missing, stale or corrupt): every weight in it
is declared external and handed over from the model's own `model.safetensors` when the session is made,
so the vectors always come from the model actually loaded. `onnx_encoder` returns None (and the caller
keeps numpy) when ONNX Runtime is missing or refuses the graph.

`Precision` "int8" is the passage encoder's cheaper graph: the three dense layers of each encoder layer
(attention output, intermediate, output) become `DynamicQuantizeMatMul` nodes, their weights quantised
per output column to int8 in numpy when the session is made (again from the model's own weights), their
inputs quantised per call by ONNX Runtime. The query/key/value projection stays float inside the fused
`Attention` kernel: quantising it as well cost quality and saved nothing measurable (docs/ARCHIVE.md).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embed import PassageEncoder

if TYPE_CHECKING:
    from index.fast_embed import BertSpec

log = logging.getLogger(__name__)

THREADS = 2  # a query's products split well across two cores; more only adds hand-offs
LINEARS = ("attention.output.dense", "intermediate.dense", "output.dense")
NORMS = ("attention.output.LayerNorm", "output.LayerNorm")
Precision = PassageEncoder
INT8_MAX = 127  # symmetric weights: zero point 0, so no correction term per row


def ort_errors() -> tuple[type[BaseException], ...]:
    """What ONNX Runtime raises: its own classes derive from Exception directly, not RuntimeError."""
    try:
        from onnxruntime.capi import onnxruntime_pybind11_state as state
    except ImportError:
        return (RuntimeError, ValueError)
    names = ("Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException",
             "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail")
    return (RuntimeError, ValueError, *(getattr(state, n) for n in names if hasattr(state, n)))


def quantize_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A dense layer's (out, in) float weight as an (in, out) int8 matrix and one float scale per output
    column: `q[:, j] * scale[j]` approximates column j, each column using the full int8 range."""
    transposed = weight.T.astype(np.float32)
    scale = np.maximum(np.abs(transposed).max(axis=0) / INT8_MAX, np.finfo(np.float32).tiny).astype(np.float32)
    q = np.clip(np.rint(transposed / scale), -INT8_MAX, INT8_MAX).astype(np.int8)
    return np.ascontiguousarray(q), scale


def _int8_linears(out: dict[str, np.ndarray], prefix: str) -> None:
    """Replace the float dense weights under `prefix` with their int8 form, scales and zero points."""
    for name in LINEARS:
        q, scale = quantize_columns(out.pop(prefix + name + ".weight"))
        out[prefix + name + ".weight_q"], out[prefix + name + ".weight_scale"] = q, scale
        out[prefix + name + ".weight_zero"] = np.zeros_like(scale, dtype=np.int8)


def layer_weights(weights: dict[str, np.ndarray], layers: int, precision: Precision = "float") -> dict[str, np.ndarray]:
    """The encoder's weights as the graph takes them: dense layers as stored, (out, in), with query/key/value
    joined into one (in, 3 * out) matrix for the `Attention` kernel; with "int8", the dense layers quantised."""
    out: dict[str, np.ndarray] = {}
    for layer in range(layers):
        p = f"encoder.layer.{layer}."
        qkv = [p + "attention.self." + part for part in ("query", "key", "value")]
        out[p + "qkv.weight_t"] = np.ascontiguousarray(np.concatenate([weights[n + ".weight"] for n in qkv]).T)
        out[p + "qkv.bias"] = np.concatenate([weights[n + ".bias"] for n in qkv])
        for name in (*LINEARS, *NORMS):
            out.update({p + name + part: weights[p + name + part] for part in (".weight", ".bias")})
    out = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in out.items()}
    if precision == "int8":
        for layer in range(layers):
            _int8_linears(out, f"encoder.layer.{layer}.")
    return out


def _nodes(spec: BertSpec, precision: Precision = "float") -> list[Any]:
    from onnx import helper

    nodes: list[Any] = []

    def node(op: str, inputs: list[str], output: str, domain: str = "com.microsoft", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
        return output

    def dense(x: str, weight: str, output: str) -> str:  # x @ W.T, without the bias (the next kernel adds it)
        if precision == "int8":
            return node("DynamicQuantizeMatMul", [x, weight + "_q", weight + "_scale", weight + "_zero"], output)
        return node("FusedMatMul", [x, weight], output, transB=1)

    x = "embedded"
    for layer in range(spec.layers):
        p, last = f"encoder.layer.{layer}.", layer == spec.layers - 1
        a = node("Attention", [x, p + "qkv.weight_t", p + "qkv.bias", "attention_mask"], p + "a", num_heads=spec.heads)
        a = dense(a, p + "attention.output.dense.weight", p + "ao")
        x = node("SkipLayerNormalization", [a, x, p + "attention.output.LayerNorm.weight",
                 p + "attention.output.LayerNorm.bias", p + "attention.output.dense.bias"], p + "x1", epsilon=spec.eps)
        f = dense(x, p + "intermediate.dense.weight", p + "f")
        f = node("BiasGelu", [f, p + "intermediate.dense.bias"], p + "g")  # exact (erf) GELU, as BERT's "gelu"
        o = dense(f, p + "output.dense.weight", p + "o")
        x = node("SkipLayerNormalization", [o, x, p + "output.LayerNorm.weight", p + "output.LayerNorm.bias",
                 p + "output.dense.bias"], "states" if last else p + "x2", epsilon=spec.eps)
    return nodes


def _external(name: str, value: np.ndarray) -> Any:
    """A weight the graph names but does not hold: the session gets it from `add_external_initializers`."""
    from onnx import TensorProto, helper

    tensor = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(value.dtype), dims=value.shape)
    tensor.data_location = TensorProto.EXTERNAL
    for key, text in (("location", "model.safetensors"), ("offset", "0"), ("length", str(value.nbytes))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, text
    return tensor


def graph_bytes(spec: BertSpec, weights: dict[str, np.ndarray], precision: Precision = "float") -> bytes:
    """The serialised ONNX model of the encoder layers, with `weights` declared external."""
    from onnx import TensorProto, helper

    def io(name: str, kind: int, *dims: str | int) -> Any:
        return helper.make_tensor_value_info(name, kind, list(dims))

    graph = helper.make_graph(
        _nodes(spec, precision), "bert_encoder",
        [io("embedded", TensorProto.FLOAT, "batch", "length", spec.hidden),
         io("attention_mask", TensorProto.INT32, "batch", "length")],
        [io("states", TensorProto.FLOAT, "batch", "length", spec.hidden)],
        initializer=[_external(name, value) for name, value in weights.items()])
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8).SerializeToString()


class OnnxEncoder:
    """Embedded tokens (after the embedding LayerNorm) and their mask in, final token states out."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __call__(self, embedded: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"embedded": np.ascontiguousarray(embedded, dtype=np.float32),
                "attention_mask": np.ascontiguousarray(mask, dtype=np.int32)}
        return np.asarray(self._session.run(["states"], feed)[0])


def onnx_encoder(spec: BertSpec, weights: dict[str, np.ndarray], threads: int | None = None,
                 precision: Precision = "float") -> OnnxEncoder | None:
    """A session for this model's encoder layers, or None (logged) when ONNX Runtime cannot give one."""
    try:
        import onnxruntime as ort
    except ImportError:
        log.info("onnxruntime is not installed: queries use the numpy forward pass")
        return None
    errors: tuple[type[BaseException], ...] = (ImportError, KeyError, *ort_errors())
    try:
        graph_weights = layer_weights(weights, spec.layers, precision)
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads or THREADS, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # leave idle cores to others
        options.add_external_initializers(list(graph_weights),
                                          [ort.OrtValue.ortvalue_from_numpy(v) for v in graph_weights.values()])
        session = ort.InferenceSession(graph_bytes(spec, graph_weights, precision), options,
                                       providers=["CPUExecutionProvider"])
    except errors as e:
        log.warning("ONNX Runtime cannot run %s as %s (%s): using the numpy forward pass", spec.folder, precision, e)
        return None
    return OnnxEncoder(session)
