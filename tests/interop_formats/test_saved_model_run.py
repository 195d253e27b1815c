"""`tfckpt run --saved-model DIR --signature KEY`: TF1-style SavedModels that
TensorFlow writes in the same run (tf.compat.v1.saved_model.Builder and
simple_save) run in tfckpt's runtime, with inputs and outputs named by
signature key and variables restored from DIR/variables/; the outputs equal
TensorFlow's."""

import json

import numpy as np
import tensorflow as tf

from conftest import tfckpt

INPUT = [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]]


def build_model():
    """x -> relu(x @ w + b) and its sum, with trained-looking variables."""
    x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
    w = tf.compat.v1.Variable(np.random.default_rng(3).standard_normal((3, 2)).astype(np.float32),
                              name="dense/w")
    b = tf.compat.v1.Variable([0.25, -0.5], name="dense/b")
    y = tf.nn.relu(tf.matmul(x, w) + b, name="y")
    total = tf.reduce_sum(y, name="total")
    return x, y, total


def save_with_builder(path):
    graph = tf.Graph()
    with graph.as_default():
        x, y, total = build_model()
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            expected = sess.run({"out": y, "sum": total}, {x: INPUT})
            builder = tf.compat.v1.saved_model.Builder(str(path))
            signature = tf.compat.v1.saved_model.predict_signature_def(
                {"inp": x}, {"out": y, "sum": total})
            builder.add_meta_graph_and_variables(
                sess, ["serve"], signature_def_map={"serving_default": signature})
            builder.save()
    return expected


def run_signature(path, *extra):
    proc = tfckpt("run", "--saved-model", path, "--signature", "serving_default",
                  "--feed", "inp=" + json.dumps(INPUT), *extra)
    return json.loads(proc.stdout)


def assert_matches(result, expected):
    for key, value in expected.items():
        value = np.asarray(value)
        assert result[key]["shape"] == list(value.shape), key
        np.testing.assert_array_equal(np.asarray(result[key]["values"], np.float32),
                                      value.ravel(), err_msg=key)


def test_builder_saved_model_runs(tmp_path):
    expected = save_with_builder(tmp_path / "model")
    # No --fetch: every output of the signature, keyed as in it.
    result = run_signature(tmp_path / "model")
    assert set(result) == {"out", "sum"}
    assert_matches(result, expected)
    # One output by key.
    assert set(run_signature(tmp_path / "model", "--fetch", "sum")) == {"sum"}
    # TF's own loader gives the same values.
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        meta = tf.compat.v1.saved_model.load(sess, ["serve"], str(tmp_path / "model"))
        sig = meta.signature_def["serving_default"]
        tf_out = sess.run({k: v.name for k, v in sig.outputs.items()},
                          {sig.inputs["inp"].name: INPUT})
    assert_matches(result, tf_out)


def test_simple_save_saved_model_runs(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        x, y, total = build_model()
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            expected = sess.run({"out": y, "sum": total}, {x: INPUT})
            tf.compat.v1.saved_model.simple_save(sess, str(tmp_path / "simple"),
                                                 inputs={"inp": x},
                                                 outputs={"out": y, "sum": total})
    assert_matches(run_signature(tmp_path / "simple"), expected)


def test_bad_signature_keys_fail_cleanly(tmp_path):
    save_with_builder(tmp_path / "model")
    proc = tfckpt("run", "--saved-model", tmp_path / "model", "--signature", "nope",
                  check=False)
    assert proc.returncode == 1
    assert "NOT_FOUND" in proc.stderr and "serving_default" in proc.stderr
    proc = tfckpt("run", "--saved-model", tmp_path / "model", "--signature", "serving_default",
                  "--fetch", "missing", check=False)
    assert proc.returncode == 1 and "'missing'" in proc.stderr and "out sum" in proc.stderr
    # Neither a .meta nor --saved-model: a usage error.
    assert tfckpt("run", check=False).returncode == 2


def test_kernel_errors_print_on_one_line(tmp_path):
    save_with_builder(tmp_path / "model")
    # A [2,2] input where the signature needs [?,3]: MatMul fails in the kernel.
    proc = tfckpt("run", "--saved-model", tmp_path / "model", "--signature", "serving_default",
                  "--feed", "inp=[[1,2],[3,4]]", check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("tfckpt: INVALID_ARGUMENT")
    assert "[[{{node" in proc.stderr
