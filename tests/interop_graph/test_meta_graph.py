"""tfckpt's meta graph import/export against TensorFlow's own."""

import os

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import any_pb2
from tensorflow.core.framework import op_def_pb2
from tensorflow.core.protobuf import meta_graph_pb2
from tensorflow.python.framework import op_def_registry

from conftest import tf_real

v1 = tf.compat.v1

REAL_META_FILES = [
    "tf1.2-linear/smovetf.ckpt.meta",
    "tf1.3-tutorial/my_test_model-1000.meta",
    "tf1.14-mnist-cnn/my_test_model-1000.meta",
    "v1-format/model.ckpt.meta",
]


def tf_describe(meta_path, **kwargs):
    """What TF reports after importing a meta graph into a fresh graph."""
    graph = tf.Graph()
    with graph.as_default():
        saver = v1.train.import_meta_graph(meta_path, **kwargs)
    nodes = [{"name": op.name, "op": op.type, "device": op.device,
              "inputs": [t.name for t in op.inputs],
              "control_inputs": [c.name for c in op.control_inputs]}
             for op in graph.get_operations()]
    collections = {}
    for key in graph.get_all_collection_keys():
        values = graph.get_collection(key)
        if key in ("savers", "queue_runners", "cond_context", "while_context"):
            continue
        collections[key] = [v.name if hasattr(v, "name") else v
                            for v in values]
    return graph, saver, nodes, collections


def canonical_inputs(node):
    """TF lists control inputs in its own order: compare them as sets."""
    return {**node, "inputs": [i if ":" in i else i + ":0"
                               for i in node["inputs"]],
            "control_inputs": sorted(node["control_inputs"])}


@pytest.mark.parametrize("meta", REAL_META_FILES)
def test_real_meta_files_import_like_tf(graph_tool, meta):
    path = tf_real(meta)
    ours = graph_tool.json("describe", path)
    _, saver, nodes, collections = tf_describe(path)
    assert {n["name"]: canonical_inputs(n) for n in ours["nodes"]} == \
        {n["name"]: canonical_inputs(n) for n in nodes}
    for key, values in collections.items():
        if all(isinstance(v, str) for v in values):
            assert ours["collections"][key] == values, key
    assert ours["saver"]["restore_op_name"] == saver.saver_def.restore_op_name
    assert ours["saver"]["save_tensor_name"] == \
        saver.saver_def.save_tensor_name
    assert ours["saver"]["max_to_keep"] == saver._max_to_keep
    assert ours["saver"]["keep_checkpoint_every_n_hours"] == \
        saver.saver_def.keep_checkpoint_every_n_hours


def test_registry_matches_tensorflow(graph_tool, tmp_path):
    graph_tool.run("ops", tmp_path / "ops.pb")
    ours = op_def_pb2.OpList()
    ours.ParseFromString((tmp_path / "ops.pb").read_bytes())
    assert len(ours.op) > 40
    for op in ours.op:
        theirs = op_def_pb2.OpDef()
        theirs.CopyFrom(op_def_registry.get(op.name))
        for arg in list(theirs.input_arg) + list(theirs.output_arg):
            arg.description = ""
            arg.ClearField("experimental_full_type")
            arg.ClearField("handle_data")
        for attr in theirs.attr:
            attr.description = ""
        theirs.summary = ""
        theirs.description = ""
        theirs.ClearField("deprecation")
        assert op == theirs, op.name


def build_tf_model(directory):
    """A TF1 graph with variables, placeholders, scopes, a trained
    optimizer, collections of every kind and a sharded Saver; returns the
    checkpoint prefix (its .meta beside it) and the saved values."""
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [None, 3], name="x")
        y = v1.placeholder(tf.float32, [None, 2], name="y")
        with v1.variable_scope("dense"):
            w = v1.get_variable("w", [3, 2])
            b = v1.get_variable("b", [2], initializer=v1.zeros_initializer())
        with v1.name_scope("head"):
            logits = tf.nn.bias_add(tf.matmul(x, w), b)
            loss = tf.reduce_mean(tf.square(logits - y))
        step = v1.train.get_or_create_global_step()
        train_op = v1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        v1.add_to_collection("my_ops", train_op)
        v1.add_to_collection("my_tensors", logits)
        v1.add_to_collection("my_bytes", b"raw\x00bytes")
        v1.add_to_collection("my_ints", 7)
        v1.add_to_collection("my_floats", 0.5)
        any_value = any_pb2.Any()
        any_value.Pack(meta_graph_pb2.AssetFileDef(filename="vocab.txt"))
        v1.add_to_collection("my_any", any_value)
        saver = v1.train.Saver(sharded=True, max_to_keep=3,
                               keep_checkpoint_every_n_hours=2.0)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            feed = {x: np.ones((4, 3), np.float32),
                    y: np.zeros((4, 2), np.float32)}
            for _ in range(3):
                sess.run(train_op, feed)
            prefix = saver.save(sess, os.path.join(directory, "model"),
                                global_step=3)
            values = {v.op.name: sess.run(v) for v in v1.global_variables()}
    return prefix, values


def tf_export_after_import(meta_path):
    graph = tf.Graph()
    with graph.as_default():
        saver = v1.train.import_meta_graph(meta_path)
        return v1.train.export_meta_graph(saver_def=saver.saver_def)


def comparable_nodes(meta):
    out = {}
    for node in meta.graph_def.node:
        attrs = {k: v.SerializeToString(deterministic=True) for k, v in node.attr.items()}
        out[node.name] = (node.op, [i if ":" in i or i.startswith("^")
                                    else i + ":0" for i in node.input],
                          node.device, attrs)
    return out


@pytest.fixture(scope="module")
def tf_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tfmodel")
    return build_tf_model(str(directory))


@pytest.mark.parametrize("as_text", [False, True])
def test_round_trip_matches_tf_and_restores(graph_tool, tf_model, tmp_path,
                                            as_text):
    prefix, values = tf_model
    out = tmp_path / "ours.meta"
    graph_tool.run("roundtrip", prefix + ".meta", out,
                   *(["--as-text"] if as_text else []))
    ours = meta_graph_pb2.MetaGraphDef()
    if as_text:
        from google.protobuf import text_format
        text_format.Merge(out.read_text(), ours)
    else:
        ours.ParseFromString(out.read_bytes())
    theirs = tf_export_after_import(prefix + ".meta")

    # Field by field against what TF writes for the same import.
    assert comparable_nodes(ours) == comparable_nodes(theirs)
    assert ours.saver_def == theirs.saver_def
    assert dict(ours.collection_def) == dict(theirs.collection_def)
    assert {op.name for op in ours.meta_info_def.stripped_op_list.op} == \
        {op.name for op in theirs.meta_info_def.stripped_op_list.op}
    assert ours.meta_info_def.tensorflow_version == tf.__version__

    # TF accepts our file and its Saver restores TF's checkpoint.
    graph = tf.Graph()
    with graph.as_default():
        saver = v1.train.import_meta_graph(str(out))
        assert saver.saver_def.sharded
        with v1.Session(graph=graph) as sess:
            saver.restore(sess, prefix)
            restored = {v.op.name: sess.run(v) for v in v1.global_variables()}
        assert restored.keys() == values.keys()
        for name, value in values.items():
            np.testing.assert_array_equal(restored[name], value, err_msg=name)
        assert [v.op.name for v in v1.trainable_variables()] == \
            ["dense/w", "dense/b"]
        ours_plain = {k: v1.get_collection(k) for k in
                      ("my_bytes", "my_ints", "my_floats", "my_any")}
        ours_ops = [op.name for op in v1.get_collection("my_ops")]
    with tf.Graph().as_default():
        v1.train.import_meta_graph(prefix + ".meta")
        assert ours_plain == {k: v1.get_collection(k) for k in ours_plain}
        assert ours_ops == [op.name for op in v1.get_collection("my_ops")]


def test_import_scope_matches_tf(graph_tool, tf_model, tmp_path):
    prefix, _ = tf_model
    ours = graph_tool.json("roundtrip", prefix + ".meta", tmp_path / "s.meta",
                           "--import-scope", "net", "--clear-devices")
    _, saver, nodes, collections = tf_describe(
        prefix + ".meta", import_scope="net", clear_devices=True)
    assert {n["name"]: canonical_inputs(n) for n in ours["nodes"]} == \
        {n["name"]: canonical_inputs(n) for n in nodes}
    for key in ("variables", "trainable_variables", "my_ops", "my_tensors",
                "train_op", "my_ints"):
        assert ours["collections"][key] == collections[key], key
    assert ours["saver"]["restore_op_name"] == saver.saver_def.restore_op_name
    assert ours["saver"]["filename_tensor_name"] == \
        saver.saver_def.filename_tensor_name


def cyclic_meta(path):
    meta = meta_graph_pb2.MetaGraphDef()
    for name, other in (("a", "b"), ("b", "a")):
        node = meta.graph_def.node.add(name=name, op="Identity", input=[other])
        node.attr["T"].type = tf.float32.as_datatype_enum
    path.write_bytes(meta.SerializeToString())


def dangling_meta(path):
    meta = meta_graph_pb2.MetaGraphDef()
    node = meta.graph_def.node.add(name="a", op="Identity", input=["nowhere"])
    node.attr["T"].type = tf.float32.as_datatype_enum
    path.write_bytes(meta.SerializeToString())


@pytest.mark.parametrize("make", [
    lambda p: p.write_bytes(b"\x0a\xff\xff\xff\x0f garbage"),
    lambda p: p.write_bytes(open(tf_real(
        "tf1.14-mnist-cnn/my_test_model-1000.meta"), "rb").read()[:5000]),
    cyclic_meta,
    dangling_meta,
], ids=["garbage", "truncated", "cycle", "dangling"])
def test_bad_files_rejected_like_tf(graph_tool, tmp_path, make):
    path = tmp_path / "bad.meta"
    make(path)
    with pytest.raises(Exception):
        with tf.Graph().as_default():
            v1.train.import_meta_graph(str(path))
    proc = graph_tool.run("describe", path, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("graph_tool: "), proc.stderr


def test_clear_extraneous_savers_matches_tf(graph_tool, tmp_path):
    """Two savers, a "savers" collection and a node_list naming a node of each
    saver's scope: exporting with clear_extraneous_savers keeps only the
    second saver, as TF's Saver.export_meta_graph does."""
    graph = tf.Graph()
    with graph.as_default():
        v1.Variable(v1.zeros([2]), name="v")
        first = v1.train.Saver()
        second = v1.train.Saver(max_to_keep=3)
        v1.add_to_collection("savers", first)
        v1.add_to_collection("savers", second)
        v1.add_to_collection("mine", graph.get_operation_by_name("save/restore_all"))
        v1.add_to_collection("mine", graph.get_operation_by_name("save_1/restore_all"))
        v1.add_to_collection("mine", graph.get_operation_by_name("v"))
        full = str(tmp_path / "full.meta")
        second.export_meta_graph(full)
        expected = second.export_meta_graph(clear_extraneous_savers=True)
    out = tmp_path / "cleared.meta"
    graph_tool.run("roundtrip", full, str(out), "--clear-extraneous-savers")
    ours = meta_graph_pb2.MetaGraphDef()
    ours.ParseFromString(out.read_bytes())
    assert [n.name for n in ours.graph_def.node] == [n.name for n in expected.graph_def.node]
    assert sorted(ours.collection_def) == sorted(expected.collection_def)
    for key in expected.collection_def:
        assert ours.collection_def[key] == expected.collection_def[key], key
    assert ours.saver_def == expected.saver_def
