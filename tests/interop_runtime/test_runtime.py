"""tfckpt run vs TensorFlow: real TF1 graphs and models trained here."""
import json
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

tf1 = tf.compat.v1
CLI = os.environ.get("TFCKPT_CLI", "")
TF_REAL = os.environ.get(
    "TFCKPT_TF_REAL_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "testdata", "tf-real"))
RTOL = 1e-5


def run_cli(meta, restore=None, feeds=(), fetches=(), targets=(), save=None):
    cmd = [CLI, "run", meta]
    if restore:
        cmd += ["--restore", restore]
    for name, value in feeds:
        cmd += ["--feed", f"{name}={value}"]
    for name in fetches:
        cmd += ["--fetch", name]
    for name in targets:
        cmd += ["--target", name]
    if save:
        cmd += ["--save", save]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    return {k: np.array(v["values"]).reshape(v["shape"]) for k, v in out.items()}


def npy(tmp_path, name, value):
    path = str(tmp_path / f"{name.replace(':', '_').replace('/', '_')}.npy")
    np.save(path, value)
    return path


def tf_restore_and_run(meta, prefix, feed, fetches):
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(meta)
        with tf1.Session() as sess:
            saver.restore(sess, prefix)
            return sess.run(list(fetches), feed_dict=feed)


def test_tf13_tutorial_gives_60_like_tf():
    meta = os.path.join(TF_REAL, "tf1.3-tutorial", "my_test_model-1000.meta")
    prefix = os.path.join(TF_REAL, "tf1.3-tutorial", "my_test_model-1000")
    (expected,) = tf_restore_and_run(meta, prefix, {"w1:0": 13.0, "w2:0": 17.0},
                                     ["op_to_restore:0"])
    ours = run_cli(meta, prefix, [("w1:0", "13"), ("w2:0", "17")], ["op_to_restore:0"])
    np.testing.assert_allclose(ours["op_to_restore:0"], expected, rtol=0)
    assert float(ours["op_to_restore:0"]) == 60.0


def test_tf12_linear_prediction(tmp_path):
    meta = os.path.join(TF_REAL, "tf1.2-linear", "smovetf.ckpt.meta")
    prefix = os.path.join(TF_REAL, "tf1.2-linear", "smovetf.ckpt")
    with tf.Graph().as_default() as g:
        tf1.train.import_meta_graph(meta)
        sigmoid = [op for op in g.get_operations() if op.type == "Sigmoid"][0]
        placeholder = [op for op in g.get_operations() if op.type == "Placeholder"
                       and op.outputs[0].shape.rank == 2][0]
    x = np.random.default_rng(0).standard_normal((3, 21)).astype(np.float32)
    fetch = sigmoid.outputs[0].name
    feed_name = placeholder.outputs[0].name
    (expected,) = tf_restore_and_run(meta, prefix, {feed_name: x}, [fetch])
    ours = run_cli(meta, prefix, [(feed_name, npy(tmp_path, "x", x))], [fetch])
    np.testing.assert_allclose(ours[fetch], expected, rtol=RTOL, atol=1e-6)


def build_and_train(kind, tmp_path):
    """Trains a small model in TF, saves it; returns meta, prefix, feeds, fetch."""
    rng = np.random.default_rng(1)
    with tf.Graph().as_default():
        tf1.set_random_seed(3)
        if kind == "cnn":
            x = tf1.placeholder(tf.float32, [None, 8, 8, 1], name="x")
            k = tf1.get_variable("k", [3, 3, 1, 4])
            h = tf.nn.relu(tf.nn.conv2d(x, k, strides=[1, 1, 1, 1], padding="SAME"))
            h = tf.nn.max_pool2d(h, 2, 2, "VALID")
            h = tf.reshape(h, [-1, 4 * 4 * 4])
            w = tf1.get_variable("w", [64, 3])
            b = tf1.get_variable("b", [3], initializer=tf1.zeros_initializer())
            logits = tf.matmul(h, w) + b
            data = rng.standard_normal((5, 8, 8, 1)).astype(np.float32)
        else:
            use_resource = kind == "resource"
            x = tf1.placeholder(tf.float32, [None, 6], name="x")
            w1 = tf1.get_variable("w1", [6, 8 if kind != "logreg" else 3],
                                  use_resource=use_resource)
            b1 = tf1.get_variable("b1", [8 if kind != "logreg" else 3],
                                  use_resource=use_resource,
                                  initializer=tf1.constant_initializer(0.1))
            logits = tf.matmul(x, w1) + b1
            if kind != "logreg":
                w2 = tf1.get_variable("w2", [8, 3], use_resource=use_resource)
                logits = tf.matmul(tf.nn.tanh(logits), w2)
            data = rng.standard_normal((5, 6)).astype(np.float32)
        probs = tf.nn.softmax(logits, name="probs")
        labels = tf.one_hot([0, 1, 2, 1, 0], 3)
        loss = tf.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(
            labels=labels, logits=logits))
        train = tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(5):
                sess.run(train, {x: data})
            prefix = saver.save(sess, str(tmp_path / kind), global_step=5)
            expected = sess.run(probs, {x: data})
    return prefix + ".meta", prefix, data, expected


@pytest.mark.parametrize("kind", ["logreg", "mlp", "cnn", "resource"])
def test_tf_trained_model_restores_and_matches(kind, tmp_path):
    meta, prefix, data, expected = build_and_train(kind, tmp_path)
    ours = run_cli(meta, prefix, [("x:0", npy(tmp_path, "x", data))], ["probs:0"])
    np.testing.assert_allclose(ours["probs:0"], expected, rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("use_resource", [False, True])
def test_tf_restores_what_tfckpt_saved(use_resource, tmp_path):
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 4], name="x")
        w = tf1.get_variable("w", [4, 2], use_resource=use_resource)
        new_w = tf1.placeholder(tf.float32, [4, 2], name="new_w")
        tf1.assign(w, new_w, name="set_w")
        tf.identity(tf.matmul(x, w), name="y")
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "orig"))
    value = np.arange(8, dtype=np.float32).reshape(4, 2) / 7
    data = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    out_prefix = str(tmp_path / "ours" / "model")
    os.makedirs(os.path.dirname(out_prefix))
    ours = run_cli(prefix + ".meta", prefix,
                   [("new_w:0", npy(tmp_path, "new_w", value))],
                   targets=["set_w"], save=out_prefix)
    assert ours == {}
    ours = run_cli(out_prefix + ".meta", out_prefix,
                   [("x:0", npy(tmp_path, "x", data))], ["y:0"])
    (expected,) = tf_restore_and_run(prefix + ".meta", out_prefix, {"x:0": data}, ["y:0"])
    np.testing.assert_allclose(tf.train.load_variable(out_prefix, "w"), value, rtol=0)
    np.testing.assert_allclose(ours["y:0"], expected, rtol=RTOL, atol=1e-7)
