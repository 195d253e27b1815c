"""TF2 object-based checkpoints (a Keras model with optimizer state, a
tf.Module with nested objects) written by TF in this run: tfckpt lists and
reads them, and its object tree is TF's TrackableObjectGraph."""

import json

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import trackable_object_graph_pb2

from conftest import ls_json, read_all_via_npz, same_bits, tfckpt


def keras_checkpoint(directory):
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3),
                                 tf.keras.layers.Dense(2)])
    model.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    model.fit(x, x[:, :2], epochs=1, verbose=0)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    manager = tf.train.CheckpointManager(checkpoint, str(directory), max_to_keep=2)
    manager.save()
    return manager.save(), checkpoint


def module_checkpoint(directory):
    class Inner(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0, 2.0]])
            self.table = {"a": tf.Variable(3, dtype=tf.int64), "b/c.d": tf.Variable([b"s"])}

    root = tf.Module()
    root.inner = Inner()
    root.also = root.inner  # a second edge to the same object
    root.items = [tf.Variable(tf.zeros([2], tf.bfloat16)), Inner()]
    checkpoint = tf.train.Checkpoint(root=root)
    return checkpoint.save(str(directory / "ckpt")), checkpoint


@pytest.mark.parametrize("make", [keras_checkpoint, module_checkpoint])
def test_tree_and_values_match_tf(make, tmp_path):
    path, checkpoint = make(tmp_path / "run")
    reader = tf.train.load_checkpoint(path)
    # Listing: tf.train.list_variables is the reference.
    assert set(ls_json(path)) == {name for name, _ in tf.train.list_variables(path)}
    values = read_all_via_npz(path, tmp_path)
    for name in values:
        assert same_bits(values[name], reader.get_tensor(name)), name
    # The object graph, as TF stores and parses it.
    proto = trackable_object_graph_pb2.TrackableObjectGraph()
    proto.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    tree = json.loads(tfckpt("ls", path, "--tree", "--json").stdout)
    assert tree["save_counter"] == int(checkpoint.save_counter.numpy())
    assert len(tree["nodes"]) == len(proto.nodes)
    keys = set()
    for node, expected in zip(tree["nodes"], proto.nodes):
        assert [(c["local_name"], c["node_id"]) for c in node["children"]] == \
            [(c.local_name, c.node_id) for c in expected.children]
        assert [(a["name"], a["full_name"], a["checkpoint_key"]) for a in node["attributes"]] == \
            [(a.name, a.full_name, a.checkpoint_key) for a in expected.attributes]
        assert [(s["original_variable_node_id"], s["slot_name"], s["slot_variable_node_id"])
                for s in node["slot_variables"]] == \
            [(s.original_variable_node_id, s.slot_name, s.slot_variable_node_id)
             for s in expected.slot_variables]
        keys |= {a["checkpoint_key"] for a in node["attributes"]}
    # Every value in the checkpoint belongs to an object of the tree.
    assert keys | {"_CHECKPOINTABLE_OBJECT_GRAPH"} == set(ls_json(path))
    # The text tree prints, and the directory resolves through the
    # `checkpoint` file TF wrote.
    assert tfckpt("ls", tmp_path / "run", "--tree").stdout.startswith("save_counter: ")
    assert tfckpt("latest", tmp_path / "run").stdout.strip() == path


def test_object_paths_name_keys(tmp_path):
    path, _ = module_checkpoint(tmp_path / "run")
    tree = json.loads(tfckpt("ls", path, "--tree", "--json").stdout)
    by_path = {n["path"]: n for n in tree["nodes"]}
    # Checkpoint(root=...) makes the module the root object. Breadth-first
    # paths: the first edge wins ("inner", not "also").
    assert [a["checkpoint_key"] for a in by_path["inner/w"]["attributes"]] == \
        ["inner/w/.ATTRIBUTES/VARIABLE_VALUE"]
    assert "also/w" not in by_path
    # Escaping: "/" -> ".S" and "." -> "..".
    assert [a["checkpoint_key"] for a in by_path["inner/table/b/c.d"]["attributes"]] == \
        ["inner/table/b.Sc..d/.ATTRIBUTES/VARIABLE_VALUE"]
    assert tfckpt("ls", tmp_path / "nope", "--tree", check=False).returncode == 1
