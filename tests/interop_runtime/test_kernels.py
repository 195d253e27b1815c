"""Each CPU kernel against TensorFlow: a one-op tf.compat.v1 graph (placeholders
-> tf.raw_ops.<Op>) is exported as .meta, run in TF with seeded random inputs
and run again with `tfckpt run`; the outputs must agree.

Tolerances: exact for integer, bool and shape results; 1e-6 relative for
elementwise float ops (FLOAT_EW); 1e-5 relative for matmul, convolution,
pooling, normalization and reductions (FLOAT_ACC), which sum in another order
than Eigen. Absolute floors: 1e-7 for elementwise ops, 1e-5 for the
accumulating ones (sums of ~100 O(1) products cancel to near zero, where
float32 rounding in another order differs by ~1e-6 absolute).
Not covered here: random ops (test_random_ops.py), variables
and checkpoint I/O (test_runtime.py), DT_STRING inputs (`tfckpt run` feeds
only numbers).
"""
import json
import os
import subprocess
import zlib

import numpy as np
import pytest
import tensorflow as tf

tf1 = tf.compat.v1
raw = tf.raw_ops
CLI = os.environ.get("TFCKPT_CLI", "")

EXACT = (0.0, 0.0)
FLOAT_EW = (1e-6, 1e-7)
FLOAT_ACC = (1e-5, 1e-5)

F32, F64, I32, I64, BOOL = np.float32, np.float64, np.int32, np.int64, np.bool_


class Case:
    """A one-op graph: `inputs` (name -> array) are fed to placeholders of
    unknown shape, `build(**placeholders)` returns the fetched tensors."""

    def __init__(self, name, inputs, build, tol=None):
        self.name = name
        self.inputs = inputs
        self.build = build
        self.tol = tol


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(rng, shape, dtype):
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-9, 10, size=shape).astype(dtype)
    if dtype == BOOL:
        return rng.random(shape) < 0.5
    return rng.standard_normal(shape).astype(dtype)


def away_from_zero(rng, shape, dtype):
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    if np.issubdtype(dtype, np.integer):
        return (sign * rng.integers(1, 6, size=shape)).astype(dtype)
    return (sign * rng.uniform(0.5, 2.0, size=shape)).astype(dtype)


def positive(rng, shape, dtype):
    return rng.uniform(0.1, 3.0, size=shape).astype(dtype)


def dtype_name(dtype):
    return np.dtype(dtype).name


# Shape pairs for binary ops: broadcasting both ways, scalar, empty.
BINARY_SHAPES = {
    "bcast": ((3, 1, 4), (2, 4)),
    "scalar": ((), (2, 3)),
    "empty": ((0, 4), (4,)),
}


def binary_cases(op, dtypes, y_gen=normal, x_gen=normal, tol=None):
    cases = []
    for dtype in dtypes:
        for shape_name, (xs, ys) in BINARY_SHAPES.items():
            name = f"{op}-{dtype_name(dtype)}-{shape_name}"
            rng = rng_for(name)
            inputs = {"x": x_gen(rng, xs, dtype), "y": y_gen(rng, ys, dtype)}
            fn = getattr(raw, op)
            cases.append(Case(name, inputs, lambda x, y, fn=fn: fn(x=x, y=y), tol))
    return cases


def unary_cases(op, dtypes, gen=normal, shapes=((2, 3, 4), (0, 3), ()), attrs=None,
                arg="x", tol=None):
    cases = []
    for dtype in dtypes:
        for shape in shapes:
            name = f"{op}-{dtype_name(dtype)}-{'x'.join(map(str, shape)) or 'scalar'}"
            inputs = {"x": gen(rng_for(name), shape, dtype)}
            fn = getattr(raw, op)
            cases.append(Case(name, inputs,
                              lambda x, fn=fn: fn(**{arg: x}, **(attrs or {})), tol))
    return cases


def single(name, inputs, build, tol=None):
    return [Case(name, inputs, build, tol)]


def const(value, dtype=np.int32):
    return tf.constant(np.asarray(value, dtype))


FLOATS = (F32, F64)
NUMBERS = (F32, F64, I32, I64)

CASES = []
# --- plumbing -----------------------------------------------------------------
for op in ("Identity", "Snapshot", "StopGradient"):
    CASES += unary_cases(op, (F32, I64, BOOL), arg="input")
CASES += single("IdentityN", {"a": normal(rng_for("IdentityN"), (2, 3), F32),
                              "b": normal(rng_for("IdentityN"), (4,), I32)},
                lambda a, b: raw.IdentityN(input=[a, b]))
CASES += single("PlaceholderWithDefault",
                {"x": normal(rng_for("PWD"), (3,), F64)},
                lambda x: raw.PlaceholderWithDefault(input=x, shape=[None]))
# --- elementwise --------------------------------------------------------------
for op in ("Add", "AddV2", "Sub", "Mul", "Maximum", "Minimum", "SquaredDifference"):
    CASES += binary_cases(op, NUMBERS)
CASES += binary_cases("RealDiv", FLOATS, y_gen=away_from_zero)
for op in ("Div", "FloorDiv", "FloorMod"):
    CASES += binary_cases(op, NUMBERS, y_gen=away_from_zero)
CASES += binary_cases("Pow", FLOATS, x_gen=positive)
for op in ("Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"):
    # Small integers (also as floats) so that ties occur.
    CASES += binary_cases(op, NUMBERS, x_gen=lambda r, s, d: normal(r, s, I32).astype(d) // 3,
                          y_gen=lambda r, s, d: normal(r, s, I32).astype(d) // 3)
for op in ("LogicalAnd", "LogicalOr"):
    CASES += binary_cases(op, (BOOL,))
CASES += unary_cases("LogicalNot", (BOOL,))
for op in ("Neg", "Abs", "Sign", "Square"):
    CASES += unary_cases(op, NUMBERS)
for op in ("Exp", "Floor", "Ceil", "Sigmoid", "Tanh"):
    CASES += unary_cases(op, FLOATS)
for op in ("Sqrt", "Rsqrt", "Log"):
    CASES += unary_cases(op, FLOATS, gen=positive)
CASES += unary_cases("Reciprocal", FLOATS, gen=away_from_zero)
for op in ("Softplus", "Relu", "Relu6", "Elu"):
    CASES += unary_cases(op, FLOATS, arg="features")
CASES += unary_cases("Relu", (I32, I64), arg="features")
CASES += unary_cases("LeakyRelu", FLOATS, arg="features", attrs={"alpha": 0.3})
for dtype in NUMBERS:
    name = f"AddN-{dtype_name(dtype)}"
    r = rng_for(name)
    CASES += single(name, {f"a{i}": normal(r, (2, 5), dtype) for i in range(3)},
                    lambda a0, a1, a2: raw.AddN(inputs=[a0, a1, a2]))
r = rng_for("Select")
CASES += single("Select-vector-cond", {"c": normal(r, (3,), BOOL),
                                       "x": normal(r, (3, 4), F32),
                                       "y": normal(r, (3, 4), F32)},
                lambda c, x, y: raw.Select(condition=c, x=x, y=y))
CASES += single("Select-same-shape", {"c": normal(r, (2, 3), BOOL),
                                      "x": normal(r, (2, 3), I64),
                                      "y": normal(r, (2, 3), I64)},
                lambda c, x, y: raw.Select(condition=c, x=x, y=y))
CASES += single("SelectV2-bcast", {"c": normal(r, (3, 1), BOOL),
                                   "x": normal(r, (4,), F64),
                                   "y": normal(r, (), F64)},
                lambda c, x, y: raw.SelectV2(condition=c, t=x, e=y))
for src, dst in ((F32, I32), (I32, F32), (F64, I64), (I64, F64), (F32, BOOL), (BOOL, F32),
                 (I32, I64), (F32, F64)):
    name = f"Cast-{dtype_name(src)}-{dtype_name(dst)}"
    x = normal(rng_for(name), (3, 4), src) * (3 if src != BOOL else 1)
    CASES += single(name, {"x": x.astype(src)},
                    lambda x, dst=dst: raw.Cast(x=x, DstT=tf.as_dtype(dst)))
# --- reductions ---------------------------------------------------------------
for op in ("Sum", "Mean", "Prod", "Max", "Min"):
    for dtype in NUMBERS:
        for axes, keep in (([1], False), ([0, 2], True), ([-1], False), ([], False)):
            name = f"{op}-{dtype_name(dtype)}-{axes}-{keep}"
            r = rng_for(name)
            # Prod of small values stays in range; ints of [-9, 9] overflow int32 fast.
            x = (normal(r, (3, 4, 5), dtype) if op != "Prod"
                 else (r.integers(-2, 3, (3, 4, 5)).astype(dtype)))
            CASES += single(name, {"x": x},
                            lambda x, op=op, axes=axes, keep=keep: getattr(raw, op)(
                                input=x, axis=const(axes), keep_dims=keep),
                            FLOAT_ACC)
for op in ("Sum", "Mean", "Prod"):
    CASES += single(f"{op}-empty", {"x": np.zeros((0, 3), F32)},
                    lambda x, op=op: getattr(raw, op)(input=x, axis=const([0])), FLOAT_ACC)
for op in ("Max", "Min"):
    CASES += single(f"{op}-empty", {"x": np.zeros((2, 0), F32)},
                    lambda x, op=op: getattr(raw, op)(input=x, axis=const([1])))
r = rng_for("nan")
NAN_X = np.where(r.random((3, 4)) < 0.3, np.nan, r.standard_normal((3, 4))).astype(F32)
for op in ("Maximum", "Minimum", "Add"):
    CASES += single(f"{op}-nan", {"x": NAN_X, "y": normal(r, (4,), F32)},
                    lambda x, y, op=op: getattr(raw, op)(x=x, y=y))
CASES += single("Log-zero-negative", {"x": np.array([0.0, -1.0, 2.0], F64)},
                lambda x: raw.Log(x=x))
for op in ("ArgMax", "ArgMin"):
    for dtype in NUMBERS:
        for axis in (0, -1):
            name = f"{op}-{dtype_name(dtype)}-{axis}"
            CASES += single(name, {"x": normal(rng_for(name), (4, 6), dtype)},
                            lambda x, op=op, axis=axis: getattr(raw, op)(
                                input=x, dimension=const(axis)))
# --- linear algebra -------------------------------------------------------------
for dtype in FLOATS + (I32,):
    for ta, tb in ((False, False), (True, False), (False, True), (True, True)):
        name = f"MatMul-{dtype_name(dtype)}-{ta}-{tb}"
        r = rng_for(name)
        a = normal(r, (5, 3) if ta else (3, 5), dtype)
        b = normal(r, (4, 5) if tb else (5, 4), dtype)
        CASES += single(name, {"a": a, "b": b},
                        lambda a, b, ta=ta, tb=tb: raw.MatMul(a=a, b=b, transpose_a=ta,
                                                              transpose_b=tb), FLOAT_ACC)
r = rng_for("MatMul-large")
CASES += single("MatMul-large", {"a": normal(r, (130, 70), F32), "b": normal(r, (70, 90), F32)},
                lambda a, b: raw.MatMul(a=a, b=b), FLOAT_ACC)
CASES += single("MatMul-empty-inner", {"a": np.zeros((3, 0), F32), "b": np.zeros((0, 2), F32)},
                lambda a, b: raw.MatMul(a=a, b=b))
for op, xs, ys in (("BatchMatMul", (2, 3, 4), (2, 4, 5)),
                   ("BatchMatMulV2", (2, 1, 3, 4), (3, 4, 5)),
                   ("BatchMatMulV2", (3, 4), (2, 4, 2))):
    for adj in (False, True):
        name = f"{op}-{xs}-{ys}-{adj}"
        r = rng_for(name)
        x = normal(r, xs, F32)
        y = normal(r, ys, F32)
        if adj:
            x = np.swapaxes(x, -1, -2).copy()
        CASES += single(name, {"x": x, "y": y},
                        lambda x, y, op=op, adj=adj: getattr(raw, op)(x=x, y=y, adj_x=adj),
                        FLOAT_ACC)
# --- nn -----------------------------------------------------------------------------
for dtype in FLOATS:
    name = f"BiasAdd-{dtype_name(dtype)}"
    r = rng_for(name)
    CASES += single(name, {"x": normal(r, (2, 3, 4), dtype), "b": normal(r, (4,), dtype)},
                    lambda x, b: raw.BiasAdd(value=x, bias=b))
    for op in ("Softmax", "LogSoftmax"):
        CASES += unary_cases(op, (dtype,), shapes=((3, 7), (2, 2, 5)), arg="logits",
                             tol=FLOAT_ACC)
CONV_VARIANTS = (("SAME", [1, 1, 1, 1], [1, 1, 1, 1]), ("VALID", [1, 2, 2, 1], [1, 1, 1, 1]),
                 ("SAME", [1, 2, 1, 1], [1, 1, 1, 1]), ("VALID", [1, 1, 1, 1], [1, 2, 2, 1]))
for padding, strides, dilations in CONV_VARIANTS:
    tag = f"{padding}-s{strides[1]}{strides[2]}-d{dilations[1]}"
    r = rng_for("Conv2D" + tag)
    CASES += single(f"Conv2D-{tag}", {"x": normal(r, (2, 7, 8, 3), F32),
                                      "k": normal(r, (3, 2, 3, 4), F32)},
                    lambda x, k, p=padding, s=strides, d=dilations: raw.Conv2D(
                        input=x, filter=k, strides=s, padding=p, dilations=d), FLOAT_ACC)
    if strides[1] != strides[2] or dilations[1] != 1:
        continue  # TF's CPU depthwise kernel supports neither.
    CASES += single(f"DepthwiseConv2dNative-{tag}",
                    {"x": normal(r, (2, 7, 8, 3), F64), "k": normal(r, (3, 2, 3, 2), F64)},
                    lambda x, k, p=padding, s=strides, d=dilations: raw.DepthwiseConv2dNative(
                        input=x, filter=k, strides=s, padding=p, dilations=d), FLOAT_ACC)
for op in ("MaxPool", "AvgPool"):
    for padding, ksize, strides in (("VALID", [1, 2, 2, 1], [1, 2, 2, 1]),
                                    ("SAME", [1, 3, 3, 1], [1, 2, 2, 1]),
                                    ("SAME", [1, 2, 3, 1], [1, 1, 1, 1])):
        name = f"{op}-{padding}-{ksize[1]}{ksize[2]}-{strides[1]}"
        x = normal(rng_for(name), (2, 7, 6, 3), F32)
        CASES += single(name, {"x": x},
                        lambda x, op=op, p=padding, k=ksize, s=strides: getattr(raw, op)(
                            **{"input" if op == "MaxPool" else "value": x},
                            ksize=k, strides=s, padding=p), FLOAT_ACC)
for op in ("FusedBatchNorm", "FusedBatchNormV3"):
    r = rng_for(op)
    inputs = {"x": normal(r, (2, 3, 4, 5), F32), "scale": normal(r, (5,), F32),
              "offset": normal(r, (5,), F32), "mean": normal(r, (5,), F32),
              "variance": positive(r, (5,), F32)}
    CASES += single(op, inputs,
                    lambda x, scale, offset, mean, variance, op=op: getattr(raw, op)(
                        x=x, scale=scale, offset=offset, mean=mean, variance=variance,
                        epsilon=0.01, is_training=False)[:3], FLOAT_ACC)
# --- shapes ---------------------------------------------------------------------
r = rng_for("shapes")
X234 = normal(r, (2, 3, 4), F32)
CASES += single("Reshape", {"x": X234}, lambda x: raw.Reshape(tensor=x, shape=const([4, -1])))
CASES += single("Reshape-empty", {"x": np.zeros((0, 3), I64)},
                lambda x: raw.Reshape(tensor=x, shape=const([3, 0, 5])))
for op in ("Shape", "Size"):
    for out_type in (tf.int32, tf.int64):
        CASES += single(f"{op}-{out_type.name}", {"x": X234},
                        lambda x, op=op, t=out_type: getattr(raw, op)(input=x, out_type=t))
CASES += single("Rank", {"x": X234}, lambda x: raw.Rank(input=x))
CASES += single("Fill", {"d": np.array([2, 0, 3], I64), "v": np.array(1.5, F64)},
                lambda d, v: raw.Fill(dims=d, value=v))
CASES += single("Fill-int", {"d": np.array([3, 2], I32), "v": np.array(7, I32)},
                lambda d, v: raw.Fill(dims=d, value=v))
for op in ("ZerosLike", "OnesLike"):
    CASES += unary_cases(op, NUMBERS + (BOOL,), shapes=((2, 3), (0,)))
for axis in (0, 2, -1, -4):
    CASES += single(f"ExpandDims-{axis}", {"x": X234},
                    lambda x, a=axis: raw.ExpandDims(input=x, axis=const(a)))
X1 = normal(r, (1, 3, 1, 2), I32)
CASES += single("Squeeze-all", {"x": X1}, lambda x: raw.Squeeze(input=x))
CASES += single("Squeeze-axis", {"x": X1}, lambda x: raw.Squeeze(input=x, axis=[-2]))
for axis in (0, 1, -1):
    CASES += single(f"ConcatV2-{axis}", {"a": normal(r, (2, 3, 2), F64),
                                         "b": normal(r, (2, 3, 2), F64)},
                    lambda a, b, ax=axis: raw.ConcatV2(values=[a, b, a], axis=const(ax)))
CASES += single("ConcatV2-empty", {"a": np.zeros((0, 2), I32), "b": normal(r, (3, 2), I32)},
                lambda a, b: raw.ConcatV2(values=[a, b], axis=const(0)))
for axis in (0, 1, -1):
    CASES += single(f"Pack-{axis}", {"a": normal(r, (2, 3), I64), "b": normal(r, (2, 3), I64)},
                    lambda a, b, ax=axis: raw.Pack(values=[a, b, b], axis=ax))
    CASES += single(f"Unpack-{axis}", {"x": X234},
                    lambda x, ax=axis: raw.Unpack(value=x, num=X234.shape[ax], axis=ax))
for axis in (0, 1, -1):
    CASES += single(f"Split-{axis}", {"x": normal(r, (4, 6, 2), F32)},
                    lambda x, ax=axis: raw.Split(axis=const(ax), value=x, num_split=2))
CASES += single("SplitV-rest", {"x": X234},
                lambda x: raw.SplitV(value=x, size_splits=const([1, -1, 1]), axis=const(1),
                                     num_split=3))
CASES += single("SplitV-int64-empty-part", {"x": X234},
                lambda x: raw.SplitV(value=x, size_splits=const([0, 4], np.int64),
                                     axis=const(-1), num_split=2))
for perm in ([1, 0, 2], [2, 1, 0], [0, 1, 2]):
    CASES += single(f"Transpose-{perm}", {"x": X234},
                    lambda x, p=perm: raw.Transpose(x=x, perm=const(p)))
CASES += single("Tile", {"x": normal(r, (2, 3), BOOL)},
                lambda x: raw.Tile(input=x, multiples=const([2, 3])))
CASES += single("Tile-zero", {"x": normal(r, (2, 3), F32)},
                lambda x: raw.Tile(input=x, multiples=const([0, 2], np.int64)))
for dtype, (start, limit, delta) in ((I32, (2, 11, 3)), (I64, (5, -7, -2)),
                                     (F32, (0.5, 3.0, 0.7)), (F64, (1.0, 1.0, 1.0))):
    CASES += single(f"Range-{dtype_name(dtype)}",
                    {"s": np.array(start, dtype), "l": np.array(limit, dtype),
                     "d": np.array(delta, dtype)},
                    lambda s, l, d: raw.Range(start=s, limit=l, delta=d), FLOAT_EW)
for name, begin, size in (("basic", [1, 0, 1], [1, 2, 3]), ("minus1", [0, 1, 2], [-1, -1, 2]),
                          ("empty", [2, 3, 4], [0, 0, 0])):
    for dtype in (F32, I64):
        x = X234.astype(dtype)
        CASES += single(f"Slice-{name}-{dtype_name(dtype)}", {"x": x},
                        lambda x, b=begin, s=size: raw.Slice(input=x, begin=const(b),
                                                             size=const(s)))
# (begin, end, strides, begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask)
STRIDED = {
    "basic": ([0, 1, 1], [2, 3, 4], [1, 1, 2], 0, 0, 0, 0, 0),
    "negative-idx": ([-2, -3, -1], [-1, -1, 0], [1, 1, -1], 0, 0, 0, 0, 0),
    "reverse": ([0, 0, 0], [0, 0, 0], [-1, -1, -2], 7, 7, 0, 0, 0),
    "clamped": ([-10, 1, 1], [10, 100, 3], [1, 2, 1], 0, 0, 0, 0, 0),
    "masks": ([1, 2, 3], [0, 0, 1], [1, 1, 1], 1, 2, 0, 0, 0),
    "shrink": ([1, 0, -1], [2, 3, 0], [1, 1, 1], 0, 0, 0, 0, 5),
    "ellipsis": ([0, 1], [0, 3], [1, 1], 0, 0, 1, 0, 0),
    "ellipsis-mid-newaxis": ([1, 0, 0, 2], [2, 0, 0, 4], [1, 1, 1, 1], 0, 0, 2, 4, 1),
    "newaxis": ([0, 0, 1], [0, 2, 2], [1, 1, 1], 0, 0, 0, 1, 0),
    "prefix": ([1], [2], [1], 0, 0, 0, 0, 0),
    "empty-range": ([2, 0, 0], [1, 3, 4], [1, 1, 1], 0, 0, 0, 0, 0),
    "stride3-back": ([3, 2, -1], [-5, -10, -5], [-2, -1, -3], 0, 0, 0, 0, 0),
    "shrink-last": ([0, -1], [0, 0], [1, 1], 0, 0, 1, 0, 2),
}
X345 = np.arange(60, dtype=F64).reshape(3, 4, 5)
for name, (b, e, s, bm, em, elm, nam, sam) in STRIDED.items():
    for dtype in (F64, I32):
        CASES += single(f"StridedSlice-{name}-{dtype_name(dtype)}", {"x": X345.astype(dtype)},
                        lambda x, b=b, e=e, s=s, bm=bm, em=em, elm=elm, nam=nam, sam=sam:
                        raw.StridedSlice(input=x, begin=const(b), end=const(e), strides=const(s),
                                         begin_mask=bm, end_mask=em, ellipsis_mask=elm,
                                         new_axis_mask=nam, shrink_axis_mask=sam))
CASES += single("StridedSlice-int64-index", {"x": X234},
                lambda x: raw.StridedSlice(input=x, begin=const([1, -1], np.int64),
                                           end=const([0, -4], np.int64),
                                           strides=const([-1, -1], np.int64)))
for name, pads in (("basic", [[1, 2], [0, 1], [3, 0]]), ("zero", [[0, 0], [0, 0], [0, 0]])):
    for dtype in (F32, I64, BOOL):
        x = normal(rng_for("Pad" + name), (2, 3, 4), dtype)
        CASES += single(f"Pad-{name}-{dtype_name(dtype)}", {"x": x},
                        lambda x, p=pads: raw.Pad(input=x, paddings=const(p)))
CASES += single("PadV2", {"x": normal(r, (3, 2), F64), "v": np.array(-2.5, F64)},
                lambda x, v: raw.PadV2(input=x, paddings=const([[2, 1], [1, 0]], np.int64),
                                       constant_values=v))
CASES += single("Pad-empty", {"x": np.zeros((0, 2), I32)},
                lambda x: raw.Pad(input=x, paddings=const([[1, 1], [0, 2]])))
CASES += single("Pad-scalar", {"x": np.array(3.0, F32)},
                lambda x: raw.Pad(input=x, paddings=const(np.zeros((0, 2), np.int32))))
GATHER_PARAMS = normal(r, (4, 5, 3), F32)
for dtype in (I32, I64):
    idx = np.array([[3, 0], [1, 1], [2, 3]], dtype)
    CASES += single(f"Gather-{dtype_name(dtype)}", {"p": GATHER_PARAMS, "i": idx},
                    lambda p, i: raw.Gather(params=p, indices=i))
    for axis in (0, 1, -1):
        CASES += single(f"GatherV2-{dtype_name(dtype)}-axis{axis}",
                        {"p": GATHER_PARAMS.astype(I64), "i": idx % 3},
                        lambda p, i, a=axis: raw.GatherV2(params=p, indices=i, axis=const(a)))
CASES += single("GatherV2-scalar-index", {"p": GATHER_PARAMS, "i": np.array(2, I32)},
                lambda p, i: raw.GatherV2(params=p, indices=i, axis=const(1)))
CASES += single("GatherV2-empty-index", {"p": GATHER_PARAMS, "i": np.zeros((0, 2), I64)},
                lambda p, i: raw.GatherV2(params=p, indices=i, axis=const(2)))
CASES += single("GatherV2-batch_dims", {"p": GATHER_PARAMS, "i": np.array([[1, 0], [4, 4],
                                                                          [2, 3], [0, 0]], I32)},
                lambda p, i: raw.GatherV2(params=p, indices=i, axis=const(1), batch_dims=1))
CASES += single("GatherV2-bool", {"p": normal(r, (3, 2), BOOL), "i": np.array([2, 0], I32)},
                lambda p, i: raw.GatherV2(params=p, indices=i, axis=const(0)))

assert len({c.name for c in CASES}) == len(CASES), "duplicate case names"


def default_tol(values):
    return FLOAT_EW if any(np.issubdtype(v.dtype, np.floating) for v in values) else EXACT


def npy(directory, name, value):
    path = os.path.join(directory, f"{name}.npy")
    np.save(path, value)
    return path


def build_graph(case, directory):
    """Exports the case's graph; returns its .meta, fetch names and TF's values."""
    with tf.Graph().as_default():
        phs = {n: tf1.placeholder(tf.as_dtype(v.dtype), None, name=n)
               for n, v in case.inputs.items()}
        outs = case.build(**phs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        meta = os.path.join(directory, "graph.meta")
        tf1.train.export_meta_graph(meta)
        with tf1.Session() as sess:
            expected = sess.run(outs, {phs[n]: v for n, v in case.inputs.items()})
    return meta, [o.name for o in outs], expected


def run_tfckpt(meta, feeds, fetches):
    cmd = [CLI, "run", meta]
    for name, path in feeds:
        cmd += ["--feed", f"{name}={path}"]
    for name in fetches:
        cmd += ["--fetch", name]
    return subprocess.run(cmd, capture_output=True, text=True)


def from_json(entry, like):
    # JSON has no NaN/Inf: `tfckpt run` writes them as null, read back as NaN.
    values = [np.nan if v is None else v for v in entry["values"]]
    return np.array(values, dtype=like.dtype).reshape(entry["shape"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kernel_matches_tensorflow(case, tmp_path):
    meta, fetches, expected = build_graph(case, str(tmp_path))
    feeds = [(f"{n}:0", npy(str(tmp_path), n, v)) for n, v in case.inputs.items()]
    proc = run_tfckpt(meta, feeds, fetches)
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)
    rtol, atol = case.tol or default_tol(expected)
    for name, want in zip(fetches, expected):
        want = np.asarray(want)
        got = from_json(ours[name], want)
        assert got.shape == want.shape, name
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            # `tfckpt run` writes NaN and +-Inf alike as null: compare where.
            finite = np.isfinite(want)
            np.testing.assert_array_equal(np.isfinite(got), finite, err_msg=name)
            np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=atol,
                                       err_msg=name)


ERROR_CASES = [
    Case("GatherV2-out-of-range",
         {"p": GATHER_PARAMS, "i": np.array([[0, 1], [5, 2]], I32)},
         lambda p, i: raw.GatherV2(params=p, indices=i, axis=const(1))),
    Case("Gather-negative", {"p": GATHER_PARAMS, "i": np.array([1, -1], I64)},
         lambda p, i: raw.Gather(params=p, indices=i)),
    Case("Slice-out-of-range", {"x": X234},
         lambda x: raw.Slice(input=x, begin=const([0, 2, 0]), size=const([1, 2, 1]))),
    Case("StridedSlice-shrink-out-of-range", {"x": X234},
         lambda x: raw.StridedSlice(input=x, begin=const([3]), end=const([4]),
                                    strides=const([1]), shrink_axis_mask=1)),
    # Fed, so that TF's shape inference does not reject it while building.
    Case("Split-uneven", {"x": X234},
         lambda x: raw.Split(axis=const(2), value=x, num_split=3)[0]),
    Case("SplitV-two-rest", {"x": X234, "s": np.array([-1, -1], I32)},
         lambda x, s: raw.SplitV(value=x, size_splits=s, axis=const(1), num_split=2)[0]),
    Case("SplitV-sum", {"x": X234, "s": np.array([2, 2], I32)},
         lambda x, s: raw.SplitV(value=x, size_splits=s, axis=const(1), num_split=2)[0]),
    Case("SplitV-negative", {"x": X234, "s": np.array([-2, 5], I32)},
         lambda x, s: raw.SplitV(value=x, size_splits=s, axis=const(1), num_split=2)[0]),
    Case("Pad-negative", {"x": X234, "p": np.array([[0, 0], [-1, 0], [0, 0]], I32)},
         lambda x, p: raw.Pad(input=x, paddings=p)),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_kernel_error_matches_tensorflow(case, tmp_path):
    meta = os.path.join(str(tmp_path), "graph.meta")
    with tf.Graph().as_default():
        phs = {n: tf1.placeholder(tf.as_dtype(v.dtype), None, name=n)
               for n, v in case.inputs.items()}
        out = case.build(**phs)
        tf1.train.export_meta_graph(meta)
        with tf1.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError) as error:
                sess.run(out, {phs[n]: v for n, v in case.inputs.items()})
    feeds = [(f"{n}:0", npy(str(tmp_path), n, v)) for n, v in case.inputs.items()]
    proc = run_tfckpt(meta, feeds, [out.name])
    assert proc.returncode != 0
    assert "INVALID_ARGUMENT" in proc.stderr, proc.stderr
    # TF's message is "Graph execution error: ... <message>\n\t [[{{node N}}]]";
    # ours must hold the same last line and node suffix, on the one line the
    # CLI prints per error.
    message = error.value.message.rsplit("\n\t [[", 1)[0].rsplit("\n", 1)[-1]
    assert f"{message} [[{{{{node {out.op.name}}}}}]]\n" in proc.stderr, (
        error.value.message, proc.stderr)
