"""The kernels of training graphs against TensorFlow: activation gradients,
DivNoNan, the shape helpers of gradients, nn gradients (convolution, pooling,
batch norm, bias, softmax cross-entropy) and the optimizer updates, each in a
one-op tf.compat.v1 graph run in TF and with `tfckpt run`, as test_kernels.py
does (its helpers are reused).

Tolerances: exact for integer and shape results; 1e-6 relative for the
elementwise gradients; 1e-5 relative (1e-5 absolute floor) for anything that
sums (convolution and pooling gradients, batch norm, cross-entropy, bias
gradient) or takes a square root of an accumulated value (optimizers).
"""
import json

import numpy as np
import pytest
import tensorflow as tf

from test_kernels import (BINARY_SHAPES, BOOL, EXACT, F32, F64, FLOAT_ACC, FLOAT_EW, FLOATS,
                          I32, I64, Case, build_graph, const, default_tol, dtype_name,
                          from_json, normal, npy, positive, rng_for, run_tfckpt, single,
                          unary_cases)

tf1 = tf.compat.v1
raw = tf.raw_ops

CASES = []
# --- elementwise gradients ------------------------------------------------------
SHAPES = ((2, 3, 4), (0, 3), ())


def grad_cases(op, dtypes, first, second, gen_first=normal, gen_second=normal,
               attrs=None):
    """(first, second) inputs of one shape, e.g. (gradients, features)."""
    cases = []
    for dtype in dtypes:
        for shape in SHAPES:
            name = f"{op}-{dtype_name(dtype)}-{'x'.join(map(str, shape)) or 'scalar'}"
            r = rng_for(name)
            inputs = {"a": gen_first(r, shape, dtype), "b": gen_second(r, shape, dtype)}
            fn = getattr(raw, op)
            cases.append(Case(name, inputs, lambda a, b, fn=fn: fn(
                **{first: a, second: b}, **(attrs or {}))))
    return cases


def around_six(r, shape, dtype):
    # Relu6Grad's boundaries, 0 and 6, included exactly.
    values = r.uniform(-3, 9, size=shape)
    if values.size:
        values.flat[0] = 0
        values.flat[-1] = 6
    return values.astype(dtype)


def unit_interval(r, shape, dtype):
    return r.uniform(0.01, 0.99, size=shape).astype(dtype)


CASES += grad_cases("ReluGrad", (F32, F64, I32, I64), "gradients", "features")
CASES += grad_cases("Relu6Grad", (F32, F64, I32), "gradients", "features",
                    gen_second=around_six)
CASES += grad_cases("SoftplusGrad", FLOATS, "gradients", "features")
CASES += grad_cases("LeakyReluGrad", FLOATS, "gradients", "features", attrs={"alpha": 0.3})
CASES += grad_cases("EluGrad", FLOATS, "gradients", "outputs",
                    gen_second=lambda r, s, d: np.expm1(normal(r, s, d)).astype(d))
CASES += grad_cases("SigmoidGrad", FLOATS, "y", "dy", gen_first=unit_interval)
CASES += grad_cases("TanhGrad", FLOATS, "y", "dy",
                    gen_first=lambda r, s, d: np.tanh(normal(r, s, d)).astype(d))
CASES += grad_cases("ReciprocalGrad", FLOATS, "y", "dy")
CASES += grad_cases("RsqrtGrad", FLOATS, "y", "dy", gen_first=positive)
CASES += grad_cases("SqrtGrad", FLOATS, "y", "dy", gen_first=positive)


def with_zeros(r, shape, dtype):
    return np.where(r.random(shape) < 0.3, 0, normal(r, shape, dtype)).astype(dtype)


for dtype in FLOATS:
    for shape_name, (xs, ys) in BINARY_SHAPES.items():
        name = f"DivNoNan-{dtype_name(dtype)}-{shape_name}"
        r = rng_for(name)
        CASES += single(name, {"x": normal(r, xs, dtype), "y": with_zeros(r, ys, dtype)},
                        lambda x, y: raw.DivNoNan(x=x, y=y))
# --- shape helpers ----------------------------------------------------------------
BCAST_PAIRS = (((2, 3, 4), (3, 1)), ((), (5,)), ((1,), (1,)), ((4, 1), (1, 5)),
               ((0, 3), (3,)), ((2, 1, 3), (1,)), ((5, 1, 1), (5, 1, 1)), ((1, 3), (3,)),
               ((1, 1), (1,)), ((2, 1, 3, 1), (1, 1)), ((), ()))
for dtype in (I32, I64):
    for s0, s1 in BCAST_PAIRS:
        name = f"BroadcastGradientArgs-{dtype_name(dtype)}-{s0}-{s1}"
        CASES += single(name, {"s0": np.array(s0, dtype), "s1": np.array(s1, dtype)},
                        lambda s0, s1: raw.BroadcastGradientArgs(s0=s0, s1=s1))
for dtype in (I32, I64):
    r = rng_for(f"ShapeN-{dtype_name(dtype)}")
    CASES += single(f"ShapeN-{dtype_name(dtype)}",
                    {"a": normal(r, (2, 3), F32), "b": normal(r, (), F32),
                     "c": normal(r, (4, 0, 1), F32)},
                    lambda a, b, c, t=dtype: raw.ShapeN(input=[a, b, c], out_type=tf.as_dtype(t)))
r = rng_for("DynamicStitch")
CASES += single("DynamicStitch-rows",
                {"i0": np.array([0, 4], I32), "i1": np.array([[1, 3], [2, 5]], I32),
                 "d0": normal(r, (2, 3), F32), "d1": normal(r, (2, 2, 3), F32)},
                lambda i0, i1, d0, d1: raw.DynamicStitch(indices=[i0, i1], data=[d0, d1]))
# Index 1 appears twice: the later data wins.
CASES += single("DynamicStitch-duplicates",
                {"i0": np.array([0, 1], I32), "i1": np.array([1, 2], I32),
                 "d0": normal(r, (2,), I64), "d1": normal(r, (2,), I64)},
                lambda i0, i1, d0, d1: raw.DynamicStitch(indices=[i0, i1], data=[d0, d1]))
CASES += single("DynamicStitch-scalar-index",
                {"i0": np.array(1, I32), "i1": np.array([0], I32),
                 "d0": normal(r, (4,), F64), "d1": normal(r, (1, 4), F64)},
                lambda i0, i1, d0, d1: raw.DynamicStitch(indices=[i0, i1], data=[d0, d1]))
for dtype in (I32, I64):
    perm = rng_for(f"InvertPermutation-{dtype_name(dtype)}").permutation(7).astype(dtype)
    CASES += single(f"InvertPermutation-{dtype_name(dtype)}", {"x": perm},
                    lambda x: raw.InvertPermutation(x=x))
CASES += unary_cases("PreventGradient", (F32, I64, BOOL), arg="input")
# --- nn gradients -------------------------------------------------------------------
for dtype in FLOATS:
    for shape in ((4, 3), (2, 3, 4, 5), (0, 2)):
        name = f"BiasAddGrad-{dtype_name(dtype)}-{'x'.join(map(str, shape))}"
        CASES += single(name, {"x": normal(rng_for(name), shape, dtype)},
                        lambda x: raw.BiasAddGrad(out_backprop=x), FLOAT_ACC)


def probabilities(r, shape, dtype):
    p = r.random(shape)
    return (p / p.sum(axis=-1, keepdims=True)).astype(dtype)


for dtype in FLOATS:
    name = f"SoftmaxCrossEntropyWithLogits-{dtype_name(dtype)}"
    r = rng_for(name)
    CASES += single(name, {"x": normal(r, (4, 5), dtype) * 3, "y": probabilities(r, (4, 5), dtype)},
                    lambda x, y: raw.SoftmaxCrossEntropyWithLogits(features=x, labels=y),
                    FLOAT_ACC)
    for label_type in (I32, I64):
        name = f"SparseSoftmaxCrossEntropyWithLogits-{dtype_name(dtype)}-{dtype_name(label_type)}"
        r = rng_for(name)
        CASES += single(name, {"x": normal(r, (6, 4), dtype) * 3,
                               "y": r.integers(0, 4, 6).astype(label_type)},
                        lambda x, y: raw.SparseSoftmaxCrossEntropyWithLogits(features=x, labels=y),
                        FLOAT_ACC)


def out_size(size, window, stride, padding):
    return -(-size // stride) if padding == "SAME" else -(-(size - window + 1) // stride)


# (input shape, filter or window (h, w), stride, padding).
WINDOWS = (((2, 7, 7, 3), (3, 3), 1, "SAME"), ((2, 7, 7, 3), (3, 3), 2, "SAME"),
           ((1, 8, 6, 2), (3, 2), 2, "VALID"), ((3, 5, 5, 1), (1, 1), 1, "VALID"),
           ((1, 9, 9, 2), (5, 5), 3, "SAME"), ((2, 4, 4, 2), (2, 2), 2, "VALID"))
for dtype in FLOATS:
    for shape, (fh, fw), stride, padding in WINDOWS:
        tag = f"{dtype_name(dtype)}-{'x'.join(map(str, shape))}-{fh}x{fw}-s{stride}-{padding}"
        out_c = 4
        dy_shape = (shape[0], out_size(shape[1], fh, stride, padding),
                    out_size(shape[2], fw, stride, padding))
        strides = [1, stride, stride, 1]
        r = rng_for(f"conv-{tag}")
        CASES += single(f"Conv2DBackpropInput-{tag}",
                        {"f": normal(r, (fh, fw, shape[3], out_c), dtype),
                         "g": normal(r, dy_shape + (out_c,), dtype)},
                        lambda f, g, s=shape, st=strides, p=padding: raw.Conv2DBackpropInput(
                            input_sizes=const(s), filter=f, out_backprop=g, strides=st,
                            padding=p), FLOAT_ACC)
        CASES += single(f"Conv2DBackpropFilter-{tag}",
                        {"x": normal(r, shape, dtype), "g": normal(r, dy_shape + (out_c,), dtype)},
                        lambda x, g, fs=(fh, fw, shape[3], out_c), st=strides, p=padding:
                        raw.Conv2DBackpropFilter(input=x, filter_sizes=const(fs), out_backprop=g,
                                                 strides=st, padding=p), FLOAT_ACC)
        ksize = [1, fh, fw, 1]
        pool_dy = normal(r, dy_shape + (shape[3],), dtype)
        CASES += single(f"MaxPoolGrad-{tag}", {"x": normal(r, shape, dtype), "g": pool_dy},
                        lambda x, g, k=ksize, st=strides, p=padding: raw.MaxPoolGrad(
                            orig_input=x, orig_output=raw.MaxPool(input=x, ksize=k, strides=st,
                                                                  padding=p),
                            grad=g, ksize=k, strides=st, padding=p), FLOAT_ACC)
        CASES += single(f"AvgPoolGrad-{tag}", {"g": pool_dy},
                        lambda g, s=shape, k=ksize, st=strides, p=padding: raw.AvgPoolGrad(
                            orig_input_shape=const(s), grad=g, ksize=k, strides=st, padding=p),
                        FLOAT_ACC)
# Ties inside pooling windows: the gradient goes to the first maximum.
r = rng_for("MaxPoolGrad-ties")
CASES += single("MaxPoolGrad-ties",
                {"x": r.integers(0, 2, (1, 6, 6, 2)).astype(F32),
                 "g": normal(r, (1, 3, 3, 2), F32)},
                lambda x, g: raw.MaxPoolGrad(
                    orig_input=x, orig_output=raw.MaxPool(input=x, ksize=[1, 3, 3, 1],
                                                          strides=[1, 2, 2, 1], padding="SAME"),
                    grad=g, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME"))
for version in ("", "V3"):
    for training in (True, False):
        name = f"FusedBatchNormGrad{version}-{'training' if training else 'inference'}"
        r = rng_for(name)
        inputs = {"g": normal(r, (2, 3, 4, 5), F32), "x": normal(r, (2, 3, 4, 5), F32),
                  "s": normal(r, (5,), F32), "m": normal(r, (5,), F32) * 0.1,
                  "v": positive(r, (5,), F32)}
        if version:
            inputs["r3"] = np.zeros((0,), F32)
        CASES += single(name, inputs,
                        lambda g, x, s, m, v, r3=None, version=version, training=training: (
                            getattr(raw, "FusedBatchNormGrad" + version)(
                                y_backprop=g, x=x, scale=s, reserve_space_1=m,
                                reserve_space_2=v, epsilon=0.001, is_training=training,
                                **({"reserve_space_3": r3} if version else {}))[:3]),
                        FLOAT_ACC)


# --- optimizers ---------------------------------------------------------------------
def optimizer_case(op, slots, scalars, resource, dtype, attrs=None):
    """`op` updating a variable with `slots` slot variables. The variables
    are set from fed values, updated once, and read back afterwards."""
    kind = "resource" if resource else "ref"
    name = f"{op}-{kind}-{dtype_name(dtype)}" + "".join(f"-{k}" for k in (attrs or {}))
    r = rng_for(name)
    shape = (3, 4)
    inputs = {"var": normal(r, shape, dtype), "grad": normal(r, shape, dtype)}
    for slot in slots:
        # Accumulators of squares (Adagrad, RMSProp) must stay positive.
        inputs[slot] = positive(r, shape, dtype)

    def build(**phs):
        names = ["var"] + list(slots)
        variables = [tf1.Variable(np.zeros(shape, dtype), use_resource=resource, name=n)
                     for n in names]
        sets = [v.assign(phs[n]) for v, n in zip(variables, names)]
        args = {n: (v.handle if resource else v._ref()) for v, n in zip(variables, names)}
        args.update({k: tf.constant(value, dtype) for k, value in scalars.items()})
        # GradientDescent names its gradient input "delta".
        args["delta" if op == "ApplyGradientDescent" else "grad"] = phs["grad"]
        full_op = ("Resource" if resource else "") + op
        with tf.control_dependencies(sets):
            update = getattr(raw, full_op)(**args, **(attrs or {}))
        with tf.control_dependencies([update]):
            return [raw.ReadVariableOp(resource=v.handle, dtype=dtype) if resource
                    else tf.identity(v._ref()) for v in variables]

    return Case(name, inputs, build, FLOAT_ACC)


OPTIMIZERS = (
    ("ApplyGradientDescent", (), {"alpha": 0.1}, {}),
    ("ApplyMomentum", ("accum",), {"lr": 0.1, "momentum": 0.9}, {}),
    ("ApplyMomentum", ("accum",), {"lr": 0.1, "momentum": 0.9}, {"use_nesterov": True}),
    ("ApplyAdam", ("m", "v"), {"beta1_power": 0.81, "beta2_power": 0.998, "lr": 0.01,
                               "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}, {}),
    ("ApplyAdam", ("m", "v"), {"beta1_power": 0.81, "beta2_power": 0.998, "lr": 0.01,
                               "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7},
     {"use_nesterov": True}),
    ("ApplyRMSProp", ("ms", "mom"), {"lr": 0.01, "rho": 0.9, "momentum": 0.5,
                                     "epsilon": 1e-7}, {}),
    ("ApplyCenteredRMSProp", ("mg", "ms", "mom"), {"lr": 0.01, "rho": 0.9, "momentum": 0.5,
                                                   "epsilon": 1e-7}, {}),
    ("ApplyAdagrad", ("accum",), {"lr": 0.1}, {}),
    ("ApplyAdagrad", ("accum",), {"lr": 0.1}, {"update_slots": False}),
    ("ApplyAdagradV2", ("accum",), {"lr": 0.1, "epsilon": 1e-7}, {}),
)
for op, slots, scalars, attrs in OPTIMIZERS:
    for resource in (False, True):
        for dtype in FLOATS:
            CASES.append(optimizer_case(op, slots, scalars, resource, dtype, attrs))

assert len({c.name for c in CASES}) == len(CASES), "duplicate case names"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_training_kernel_matches_tensorflow(case, tmp_path):
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
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=name)


ERROR_CASES = [
    Case("SparseSoftmaxCrossEntropyWithLogits-label-out-of-range",
         {"x": np.zeros((3, 4), F32), "y": np.array([1, 5, 2], I32)},
         lambda x, y: raw.SparseSoftmaxCrossEntropyWithLogits(features=x, labels=y)[0]),
    Case("BroadcastGradientArgs-incompatible",
         {"s0": np.array([2, 3], I32), "s1": np.array([4], I32)},
         lambda s0, s1: raw.BroadcastGradientArgs(s0=s0, s1=s1)[0]),
    Case("InvertPermutation-duplicate", {"x": np.array([0, 2, 2], I32)},
         lambda x: raw.InvertPermutation(x=x)),
    Case("ReluGrad-shape-mismatch", {"g": np.zeros((2, 3), F32), "x": np.zeros((3, 2), F32)},
         lambda g, x: raw.ReluGrad(gradients=g, features=x)),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_training_kernel_error_matches_tensorflow(case, tmp_path):
    with tf.Graph().as_default():
        phs = {n: tf1.placeholder(tf.as_dtype(v.dtype), None, name=n)
               for n, v in case.inputs.items()}
        out = case.build(**phs)
        meta = str(tmp_path / "graph.meta")
        tf1.train.export_meta_graph(meta)
        with tf1.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError) as error:
                sess.run(out, {phs[n]: v for n, v in case.inputs.items()})
    feeds = [(f"{n}:0", npy(str(tmp_path), n, v)) for n, v in case.inputs.items()]
    proc = run_tfckpt(meta, feeds, [out.name])
    assert proc.returncode != 0
    assert "INVALID_ARGUMENT" in proc.stderr, proc.stderr
    message = error.value.message.rsplit("\n\t [[", 1)[0].rsplit("\n", 1)[-1]
    assert message in proc.stderr, (error.value.message, proc.stderr)
