"""The C++ tutorial (examples/tutorial.cc) and GraphBuilder against TensorFlow.

- Everything the tutorial writes loads in TF (import_meta_graph + restore),
  and TF computes the tutorial's numbers (2, 24, 60, 120) from it.
- The graphs it builds equal, node for node, the graphs TF's Python API
  builds for the tutorial's code in this run.
- The tutorial's restore half runs on files TF wrote with the tutorial's
  Python code.
- Build-time shape and dtype errors carry TF's messages.
"""

import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()  # the tutorial is TF1 code: reference variables


def _binary(env_name):
    path = os.environ.get(env_name)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"{env_name} must name the built program; run through ctest", pytrace=False)
    return path


@pytest.fixture(scope="module")
def tutorial_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tutorial")
    result = subprocess.run([_binary("TFCKPT_TUTORIAL"), str(out)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def _restore(meta, directory):
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(meta)
        sess = tf1.Session(graph=graph)
        saver.restore(sess, tf1.train.latest_checkpoint(directory))
    return graph, sess


def test_tutorial_prints_the_tutorials_numbers(tutorial_dir):
    _, stdout = tutorial_dir
    assert "w1 = 4, w2 = 8 and bias = 2: 24" in stdout
    assert 'sess.Run("bias:0") = 2' in stdout
    assert "op_to_restore:0 gives 60" in stdout
    assert "gives 120" in stdout


def test_tf_restores_the_saving_part(tutorial_dir):
    out, _ = tutorial_dir
    part = out / "1-saving"
    names = sorted(os.listdir(part))
    assert names == sorted(["checkpoint", "my_test_model.data-00000-of-00001",
                            "my_test_model.index", "my_test_model.meta",
                            "my_test_model-1000.data-00000-of-00001",
                            "my_test_model-1000.index", "my_test_model-1000.meta"])
    graph, sess = _restore(str(part / "my_test_model-1000.meta"), str(part))
    assert tf1.train.latest_checkpoint(str(part)).endswith("my_test_model-1000")
    with graph.as_default():
        w1, w2 = sess.run(["w1:0", "w2:0"])
    reader = tf1.train.NewCheckpointReader(str(part / "my_test_model"))
    assert w1.shape == (2,) and w2.shape == (5,)
    np.testing.assert_array_equal(w1, reader.get_tensor("w1"))
    np.testing.assert_array_equal(w2, reader.get_tensor("w2"))


def _tf_retention(tmp_path, monkeypatch):
    """The tutorial's training loop in TF: (newest 4, every .index left)."""
    from tensorflow.python.training import saver as saver_module
    clock = {"now": 0.0}
    monkeypatch.setattr(saver_module.time, "time", lambda: clock["now"])
    graph = tf.Graph()
    with graph.as_default():
        w = tf1.Variable(tf1.zeros([3]), name="w")
        train_step = tf1.assign_add(w, tf1.ones([3]))
        saver = tf1.train.Saver(max_to_keep=4, keep_checkpoint_every_n_hours=2)
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            for step in range(1, 1201):
                sess.run(train_step)
                clock["now"] += 30.0
                if step % 100 == 0:
                    saver.save(sess, str(tmp_path / "model"), global_step=step,
                               write_meta_graph=step == 100)
    state = tf1.train.get_checkpoint_state(str(tmp_path))
    newest = [os.path.basename(p) for p in state.all_model_checkpoint_paths]
    on_disk = sorted(n[:-len(".index")] for n in os.listdir(tmp_path) if n.endswith(".index"))
    return newest, on_disk


def test_retention_matches_tf(tutorial_dir, tmp_path, monkeypatch):
    out, stdout = tutorial_dir
    part = out / "2-retention"
    state = tf1.train.get_checkpoint_state(str(part))
    newest = [os.path.basename(p) for p in state.all_model_checkpoint_paths]
    on_disk = sorted(n[:-len(".index")] for n in os.listdir(part) if n.endswith(".index"))
    tf_newest, tf_on_disk = _tf_retention(tmp_path, monkeypatch)
    assert newest == tf_newest
    assert on_disk == tf_on_disk, stdout
    # The 2-hour rule kept some that are not among the newest 4, and the
    # tutorial says so.
    kept = sorted(set(on_disk) - set(newest))
    assert kept
    for prefix in kept:
        assert f"{prefix} leaves the newest 4 but is KEPT" in stdout
    for prefix in on_disk:
        reader = tf1.train.NewCheckpointReader(str(part / prefix))
        step = int(prefix.split("-")[1])
        np.testing.assert_array_equal(reader.get_tensor("w"), np.full([3], step, np.float32))


def test_tf_computes_the_restored_models_numbers(tutorial_dir):
    out, _ = tutorial_dir
    part = out / "3-restoring"
    graph, sess = _restore(str(part / "my_test_model-1000.meta"), str(part))
    with graph.as_default():
        assert sess.run("bias:0") == 2.0
        w1 = graph.get_tensor_by_name("w1:0")
        w2 = graph.get_tensor_by_name("w2:0")
        op_to_restore = graph.get_tensor_by_name("op_to_restore:0")
        feed = {w1: 13.0, w2: 17.0}
        assert sess.run(op_to_restore, feed) == 60.0
        assert sess.run(tf.multiply(op_to_restore, 2), feed) == 120.0


def _python_tutorial_graph():
    """The tutorial's Python for part 3, as TF builds it."""
    graph = tf.Graph()
    with graph.as_default():
        w1 = tf1.placeholder("float", name="w1")
        w2 = tf1.placeholder("float", name="w2")
        b1 = tf1.Variable(2.0, name="bias")
        w3 = tf.add(w1, w2)
        tf.multiply(w3, b1, name="op_to_restore")
        tf1.global_variables_initializer()
        tf1.train.Saver()
    return graph


def _nodes(graph_def):
    """name -> (op, inputs, attrs), "_output_shapes" included."""
    out = {}
    for node in graph_def.node:
        attrs = {k: v.SerializeToString(deterministic=True) for k, v in node.attr.items()}
        out[node.name] = (node.op, list(node.input), attrs)
    return out


def _exported(graph):
    """The GraphDef TF's export_meta_graph writes (with add_shapes)."""
    return tf1.train.export_meta_graph(graph=graph).graph_def


def test_cpp_graph_equals_tfs_graph(tutorial_dir):
    out, _ = tutorial_dir
    meta = tf1.MetaGraphDef()
    meta.ParseFromString((out / "3-restoring" / "my_test_model-1000.meta").read_bytes())
    ours = _nodes(meta.graph_def)
    theirs = _nodes(_exported(_python_tutorial_graph()))
    assert list(ours) == list(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_cpp_saving_graph_equals_tfs_graph(tutorial_dir):
    out, _ = tutorial_dir
    meta = tf1.MetaGraphDef()
    meta.ParseFromString((out / "1-saving" / "my_test_model-1000.meta").read_bytes())
    graph = tf.Graph()
    with graph.as_default():
        tf1.Variable(tf1.random_normal(shape=[2]), name="w1")
        tf1.Variable(tf1.random_normal(shape=[5]), name="w2")
        tf1.train.Saver()
        tf1.global_variables_initializer()
    ours = _nodes(meta.graph_def)
    theirs = _nodes(_exported(graph))
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_restore_half_runs_on_files_tf_wrote(tmp_path):
    graph = _python_tutorial_graph()
    with graph.as_default():
        saver = tf1.train.Saver()
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            feed = {"w1:0": 4, "w2:0": 8}
            assert sess.run("op_to_restore:0", feed) == 24.0
            saver.save(sess, str(tmp_path / "my_test_model"), global_step=1000)
    result = subprocess.run([_binary("TFCKPT_TUTORIAL"), "--restore", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert 'sess.Run("bias:0") = 2' in result.stdout
    assert "op_to_restore:0 gives 60" in result.stdout
    assert "gives 120" in result.stdout


def _tf_error(build):
    graph = tf.Graph()
    with graph.as_default():
        try:
            build()
        except (ValueError, TypeError) as error:
            return str(error)
    return "OK"


TF_CASES = {
    "add_variables": lambda: tf1.Variable(tf1.zeros([2]), name="a")
    + tf1.Variable(tf1.zeros([5]), name="b"),
    "matmul_inner": lambda: tf1.matmul(tf1.zeros([2, 3]), tf1.zeros([4, 5])),
    "matmul_rank": lambda: tf1.matmul(tf1.zeros([2]), tf1.zeros([4, 5])),
    "add_dtypes": lambda: tf.add(tf1.zeros([2], dtype=tf.int32), tf1.zeros([2])),
    "bias_add": lambda: tf1.nn.bias_add(tf1.zeros([2, 3]), tf1.zeros([4])),
    "reshape": lambda: tf1.reshape(tf1.zeros([2, 3]), [4, 2]),
    "broadcast_placeholders": lambda: tf1.placeholder(tf.float32, [None, 3])
    * tf1.placeholder(tf.float32, [4]),
    "conv2d_depth": lambda: tf1.nn.conv2d(tf1.zeros([1, 8, 8, 3]), tf1.zeros([3, 3, 4, 5]),
                                          [1, 1, 1, 1], "SAME"),
    "reduce_axis": lambda: tf1.reduce_sum(tf1.zeros([2, 3]), axis=2),
}


def test_build_time_errors_match_tf():
    result = subprocess.run([_binary("TFCKPT_BUILDER_ERRORS")], capture_output=True, text=True,
                            check=True)
    ours = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert sorted(ours) == sorted(TF_CASES)
    for name, build in TF_CASES.items():
        assert ours[name] == _tf_error(build), name


def test_linear_regression_trains_and_loads_like_tf(tmp_path):
    result = subprocess.run([_binary("TFCKPT_LINEAR_REGRESSION"), str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    reader = tf1.train.NewCheckpointReader(str(tmp_path / "linear-200"))
    w, b = reader.get_tensor("W"), reader.get_tensor("b")
    # TF trains the graph tfckpt wrote, from the same start, on the same data.
    i = np.arange(32, dtype=np.float32)
    xs = i / np.float32(16) - np.float32(1)
    ys = (np.float32(3) * xs + np.float32(2)
          + np.float32(0.05) * ((np.arange(32) * 7) % 5 - 2).astype(np.float32))
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(str(tmp_path / "linear-200.meta"))
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(200):
                sess.run("train", {"x:0": xs, "y:0": ys})
            tf_w, tf_b = sess.run(["W:0", "b:0"])
            np.testing.assert_allclose([w, b], [tf_w, tf_b], rtol=1e-5)
            saver.restore(sess, str(tmp_path / "linear-200"))
            x_new = np.array([-2.0, 0.5, 10.0], np.float32)
            predicted = sess.run("prediction:0", {"x:0": x_new})
    np.testing.assert_array_equal(predicted, w * x_new + b)
    for x, y in zip(x_new, predicted):
        assert f"x = {x:5.1f} -> {y:.3f}" in result.stdout
