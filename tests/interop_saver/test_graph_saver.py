"""tfckpt's graph-level Saver (graph_saver_driver) against TF's
tf.compat.v1.train.Saver over the same variables: the save/restore ops it adds
(names, op types, inputs, devices, SaverDef), sharded and not; the state file
a non-default latest_filename gets, with retention; and checkpoints each side
writes that the other restores."""
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

tf1 = tf.compat.v1
# Two CPU devices, so that "/cpu:1" variables get a shard of their own.
CONFIG = tf1.ConfigProto(device_count={"CPU": 2})
STATE = "my_state"
STEPS = (1, 2, 3)


def _driver():
    path = os.environ.get("TFCKPT_GRAPH_SAVER_DRIVER")
    if not path or not os.path.exists(path):
        pytest.fail("TFCKPT_GRAPH_SAVER_DRIVER must name the built graph_saver_driver; "
                    "run through ctest", pytrace=False)
    return path


def driver(*args):
    proc = subprocess.run([_driver(), *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def build_variables():
    """Reference and resource variables of several dtypes on three devices
    ("", /cpu:0 and /cpu:1). Returns the initializer and the variables."""
    with tf.device("/cpu:0"):
        a = tf1.Variable([1.0, 2.0], name="a")
        r = tf1.get_variable("scope/r", initializer=tf.constant([[1, 2], [3, 4]], tf.int64),
                             use_resource=True)
    with tf.device("/cpu:1"):
        b = tf1.Variable(3, name="b", use_resource=False)
        h = tf1.Variable(np.array([0.5, -1.5], np.float16), name="h")
    c = tf1.Variable(4.0, name="c", use_resource=False)
    d = tf1.Variable([5.0, 6.0, 7.0], dtype=tf.float64, name="d")
    variables = [a, r, b, h, c, d]
    return tf1.variables_initializer(variables, name="init"), variables


def save_nodes(graph_def):
    return [(n.name, n.op, list(n.input), n.device)
            for n in graph_def.node if n.name.startswith("save/")]


def export_without_saver(path):
    with tf.Graph().as_default() as graph:
        build_variables()
        tf1.train.export_meta_graph(filename=path, graph=graph)


def tf_save(directory, sharded):
    """TF's saver and saves; returns its save nodes, SaverDef and values."""
    with tf.Graph().as_default() as graph:
        init, variables = build_variables()
        saver = tf1.train.Saver(sharded=sharded, max_to_keep=2)
        with tf1.Session(config=CONFIG) as sess:
            sess.run(init)
            for step in STEPS:
                saver.save(sess, os.path.join(directory, "model"), global_step=step,
                           latest_filename=STATE, write_meta_graph=step == STEPS[-1])
            values = {v.op.name: sess.run(v) for v in variables}
        return save_nodes(graph.as_graph_def()), saver.saver_def, values


def ours_save(tmp_path, directory, sharded):
    meta = str(tmp_path / "vars.meta")
    export_without_saver(meta)
    driver("save", meta, "init", os.path.join(directory, "model"), int(sharded), STATE, *STEPS)
    meta_graph = tf1.MetaGraphDef()
    with open(os.path.join(directory, f"model-{STEPS[-1]}.meta"), "rb") as f:
        meta_graph.ParseFromString(f.read())
    return save_nodes(meta_graph.graph_def), meta_graph.saver_def


def listing(directory):
    """The directory's files: MergeV2Checkpoints renames each shard's data
    file on both sides, so the data file names match too."""
    return sorted(os.listdir(directory))


def state_text(directory):
    with open(os.path.join(directory, STATE)) as f:
        return f.read().replace(directory, "DIR")


@pytest.mark.parametrize("sharded", (False, True), ids=("single", "sharded"))
def test_save_ops_state_file_and_retention_match_tf(tmp_path, sharded):
    theirs_dir, ours_dir = str(tmp_path / "tf"), str(tmp_path / "ours")
    os.mkdir(theirs_dir)
    os.mkdir(ours_dir)
    tf_nodes, tf_def, _ = tf_save(theirs_dir, sharded)
    our_nodes, our_def = ours_save(tmp_path, ours_dir, sharded)

    assert our_nodes == tf_nodes
    assert our_def == tf_def
    assert our_def.sharded == sharded
    # max_to_keep=2 deleted model-1 on both sides; no "checkpoint" file.
    assert listing(ours_dir) == listing(theirs_dir)
    assert "checkpoint" not in listing(ours_dir)
    assert state_text(ours_dir) == state_text(theirs_dir)
    state = tf.train.get_checkpoint_state(ours_dir, latest_filename=STATE)
    assert state.model_checkpoint_path == os.path.join(ours_dir, "model-3")
    assert list(state.all_model_checkpoint_paths) == [
        os.path.join(ours_dir, "model-2"), os.path.join(ours_dir, "model-3")]


@pytest.mark.parametrize("sharded", (False, True), ids=("single", "sharded"))
def test_tf_restores_through_our_saver_ops(tmp_path, sharded):
    """TF imports the .meta tfckpt wrote and runs tfckpt's restore ops."""
    ours_dir = str(tmp_path / "ours")
    os.mkdir(ours_dir)
    ours_save(tmp_path, ours_dir, sharded)
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(os.path.join(ours_dir, f"model-{STEPS[-1]}.meta"))
        with tf1.Session(config=CONFIG) as sess:
            saver.restore(sess, tf.train.latest_checkpoint(ours_dir, latest_filename=STATE))
            got = {v.op.name: sess.run(v) for v in tf1.global_variables()}
    with tf.Graph().as_default():
        init, variables = build_variables()
        with tf1.Session(config=CONFIG) as sess:
            sess.run(init)
            want = {v.op.name: sess.run(v) for v in variables}
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name])


@pytest.mark.parametrize("sharded", (False, True), ids=("single", "sharded"))
def test_our_saver_restores_what_tf_saved(tmp_path, sharded):
    meta = str(tmp_path / "vars.meta")
    export_without_saver(meta)
    with tf.Graph().as_default():
        init, variables = build_variables()
        saver = tf1.train.Saver(sharded=sharded)
        with tf1.Session(config=CONFIG) as sess:
            sess.run(init)
            sess.run([v.assign(v * 3) for v in variables])
            prefix = saver.save(sess, str(tmp_path / "tf_model"))
            want = {v.op.name: sess.run(v) for v in variables}
    out = str(tmp_path / "restored")
    driver("restore", meta, prefix, out, int(sharded))
    reader = tf.train.load_checkpoint(out)
    for name, value in want.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)
