"""Continue training a TensorFlow-trained model in tfckpt, and hand it back.

Each model (an MLP and a small CNN; GradientDescent, Momentum, Adam, RMSProp
and Adagrad; reference and resource variables) is built and trained a few
steps in TF 2.21 through tf.compat.v1, then saved with tf.compat.v1.train.Saver
(.meta + checkpoint). From that checkpoint, TF runs the graph's train_op on
STEPS fed batches, and tfckpt runs the same train_op on the same batches with
`tfckpt run` (restore, one step, save: the checkpoint holds every variable,
optimizer slots and beta powers included, so the state carries over exactly).
Every variable of the graph must then agree within RTOL (plus ATOL where a
value crosses zero), and TF must restore tfckpt's checkpoint and keep
training. The train_op of each real TF1 graph in shared testdata is run the
same way.
"""
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

v1 = tf.compat.v1
CLI = os.environ.get("TFCKPT_CLI", "")
TF_REAL = os.environ.get("TFCKPT_TF_REAL_DIR", "")

STEPS = 20
RTOL = 1e-5
ATOL = 1e-6

OPTIMIZERS = {
    "gd": lambda: v1.train.GradientDescentOptimizer(0.05),
    "momentum": lambda: v1.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda: v1.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "adam": lambda: v1.train.AdamOptimizer(0.01),
    "rmsprop": lambda: v1.train.RMSPropOptimizer(0.01, momentum=0.5),
    "rmsprop_centered": lambda: v1.train.RMSPropOptimizer(0.01, centered=True),
    "adagrad": lambda: v1.train.AdagradOptimizer(0.1),
}


def build_mlp():
    x = v1.placeholder(tf.float32, [None, 6], name="x")
    y = v1.placeholder(tf.int64, [None], name="y")
    with v1.variable_scope("hidden"):
        w = v1.get_variable("w", [6, 8])
        b = v1.get_variable("b", [8], initializer=v1.constant_initializer(0.1))
        h = tf.nn.relu(tf.matmul(x, w) + b)
    with v1.variable_scope("out"):
        w = v1.get_variable("w", [8, 3])
        b = v1.get_variable("b", [3], initializer=v1.zeros_initializer())
        logits = tf.nn.bias_add(tf.matmul(tf.nn.sigmoid(h), w), b)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return loss


def build_cnn():
    x = v1.placeholder(tf.float32, [None, 8, 8, 2], name="x")
    y = v1.placeholder(tf.float32, [None, 3], name="y")
    with v1.variable_scope("conv"):
        k = v1.get_variable("kernel", [3, 3, 2, 4])
        b = v1.get_variable("bias", [4], initializer=v1.constant_initializer(0.05))
        c = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME"), b))
        c = tf.nn.max_pool2d(c, 2, 2, "VALID")
    with v1.variable_scope("dense"):
        w = v1.get_variable("w", [4 * 4 * 4, 3])
        logits = tf.matmul(tf.reshape(c, [-1, 4 * 4 * 4]), w)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return loss


MODELS = {"mlp": build_mlp, "cnn": build_cnn}


def batches(model, count, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        if model == "mlp":
            out.append({"model/x:0": rng.standard_normal((5, 6)).astype(np.float32),
                        "model/y:0": rng.integers(0, 3, 5).astype(np.int64)})
        else:
            labels = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 4)]
            out.append({"model/x:0": rng.standard_normal((4, 8, 8, 2)).astype(np.float32),
                        "model/y:0": labels})
    return out


def train_in_tf(meta, prefix, feeds, save_to=None):
    """Imports `meta`, restores `prefix`, runs train_op once per feed; returns
    every global variable's value (and saves there when asked)."""
    with tf.Graph().as_default() as graph:
        saver = v1.train.import_meta_graph(meta)
        train_op = graph.get_collection("train_op")[0]
        with v1.Session() as sess:
            saver.restore(sess, prefix)
            for feed in feeds:
                sess.run(train_op, feed)
            if save_to:
                saver.save(sess, save_to)
            return {v.op.name: sess.run(v) for v in v1.global_variables()}


def train_in_tfckpt(tmp_path, meta, prefix, feeds, train_op):
    """`tfckpt run` of train_op once per feed, each from the previous step's
    checkpoint; returns the last checkpoint's prefix."""
    for step, feed in enumerate(feeds):
        out = str(tmp_path / f"tfckpt/step-{step}")
        cmd = [CLI, "run", meta, "--restore", prefix, "--target", train_op, "--save", out]
        for name, value in feed.items():
            path = str(tmp_path / f"feed-{step}-{name.replace(':', '_').replace('/', '_')}.npy")
            np.save(path, value)
            cmd += ["--feed", f"{name}={path}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, f"step {step}: {proc.stderr}"
        prefix = out
    return prefix


def assert_same_variables(theirs, prefix, outliers=None):
    """Every variable of `theirs` equals the checkpoint's within RTOL/ATOL.
    `outliers` = (fraction, bound): that fraction of all elements may differ
    by up to `bound` absolute instead."""
    reader = tf.train.load_checkpoint(prefix)
    ours_names = set(reader.get_variable_to_shape_map())
    assert ours_names == set(theirs), (ours_names ^ set(theirs))
    off, total = 0, 0
    for name, want in theirs.items():
        got = reader.get_tensor(name)
        if outliers is None:
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=name)
            continue
        diff = np.abs(got.astype(np.float64) - want)
        assert np.all(diff <= outliers[1]), (name, diff.max())
        off += int(np.sum(diff > ATOL + RTOL * np.abs(want)))
        total += np.size(want)
    if outliers is not None:
        assert off <= outliers[0] * total, (off, total)


def check_continue_training(tmp_path, meta, start, feeds, outliers=None):
    """TF and tfckpt train from `start`; both end equal; TF continues from
    tfckpt's checkpoint."""
    theirs = train_in_tf(meta, start, feeds)
    with tf.Graph().as_default() as graph:
        v1.train.import_meta_graph(meta)
        train_op = graph.get_collection("train_op")[0].name
    ours = train_in_tfckpt(tmp_path, meta, start, feeds, train_op)
    assert_same_variables(theirs, ours, outliers)
    # TF picks up tfckpt's checkpoint (optimizer state included) and trains on.
    after = train_in_tf(meta, ours, feeds[:3])
    changed = [n for n in after if not np.array_equal(after[n], theirs[n])]
    assert changed, "TF's training from tfckpt's checkpoint changed nothing"
    return theirs


CASES = [(model, opt, resource) for model in MODELS for opt in OPTIMIZERS
         for resource in (False, True)]


@pytest.mark.parametrize("model,optimizer,resource", CASES,
                         ids=[f"{m}-{o}-{'resource' if r else 'ref'}" for m, o, r in CASES])
def test_continue_training_matches_tf(tmp_path, model, optimizer, resource):
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(7)
        with v1.variable_scope("model", use_resource=resource):
            loss = MODELS[model]()
        step = v1.train.get_or_create_global_step()
        train_op = OPTIMIZERS[optimizer]().minimize(loss, global_step=step)
        v1.add_to_collection("train_op", train_op)
        ops = {node.op for node in graph.as_graph_def().node}
        assert any(op.startswith("ResourceApply") for op in ops) == resource, ops
        saver = v1.train.Saver()
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            for feed in batches(model, 5, seed=1):
                sess.run(train_op, feed)
            start = saver.save(sess, str(tmp_path / "tf/model"), global_step=step)
    theirs = check_continue_training(tmp_path, start + ".meta", start,
                                     batches(model, STEPS, seed=2))
    # The optimizer's state is part of what must agree.
    slots = {"gd": [], "momentum": ["Momentum"], "nesterov": ["Momentum"],
             "adam": ["Adam", "Adam_1"], "rmsprop": ["RMSProp", "RMSProp_1"],
             "rmsprop_centered": ["RMSProp", "RMSProp_1"], "adagrad": ["Adagrad"]}[optimizer]
    for slot in slots:
        assert any(name.endswith("/" + slot) for name in theirs), (slot, sorted(theirs))
    if optimizer == "adam":
        assert {"beta1_power", "beta2_power"} <= set(theirs)
    assert int(theirs["global_step"]) == 5 + STEPS


def real_feeds(name, count):
    rng = np.random.default_rng(3)
    out = []
    for _ in range(count):
        if name == "tf1.2-linear":
            out.append({"X:0": rng.standard_normal((8, 21)).astype(np.float32),
                        "Placeholder:0": (rng.random((8, 1)) < 0.5).astype(np.float32)})
        else:
            labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 6)]
            # Placeholder is dropout's keep probability: 1 keeps the graph
            # deterministic (its random mask is then all ones).
            out.append({"X:0": rng.random((6, 784)).astype(np.float32), "Y:0": labels,
                        "Placeholder:0": np.array(1.0, np.float32)})
    return out


REAL = {"tf1.2-linear": "smovetf.ckpt", "tf1.14-mnist-cnn": "my_test_model-1000"}
REAL_STEPS = 5
# The MNIST graph's Adam (lr 1e-4) moves each weight by about lr per step
# whatever the gradient's size, so a weight whose gradient cancels to
# rounding noise (a sum of 512 or 784 products, added in another order than
# TF's Eigen) can land anywhere within lr per step of TF's: allow that for
# 1 element in 10^4 (seen: 2 of 401408), every other one within RTOL.
REAL_OUTLIERS = {"tf1.14-mnist-cnn": (1e-4, 1e-4 * REAL_STEPS)}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_graph_train_op_matches_tf(tmp_path, name):
    meta = os.path.join(TF_REAL, name, REAL[name] + ".meta")
    assert os.path.exists(meta), meta
    start = os.path.join(TF_REAL, name, REAL[name])
    if not os.path.exists(start + ".data-00000-of-00001"):
        # Saved without its data file: start from TF's own initialization.
        with tf.Graph().as_default():
            saver = v1.train.import_meta_graph(meta)
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                start = saver.save(sess, str(tmp_path / "tf/init"))
    check_continue_training(tmp_path, meta, start, real_feeds(name, REAL_STEPS),
                            REAL_OUTLIERS.get(name))
