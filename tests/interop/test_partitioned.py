"""Partitioned variables written by TensorFlow.

Proves that for TF1 PartitionedVariables (fixed_size_partitioner, along rows
and along columns, even and uneven splits) saved by the graph-mode Saver,
tfckpt's ReadTensor assembles each full value exactly as TF's reader does,
ReadSlice returns regions that cross partition boundaries correctly, the
internal slice keys stay hidden, and `tfckpt ls --json` lists each
partitioned tensor once with its full shape.
"""

import numpy as np
import pytest
import tensorflow as tf

from conftest import assert_identical, tf_read_all

# name: (dtype, full shape, partitions, axis)
PARTITIONED = {
    "rows": (tf.float32, [10, 4], 3, 0),
    "scope/cols": (tf.float64, [3, 10], 4, 1),
    "ids": (tf.int64, [7], 3, 0),
    "counts": (tf.int32, [5, 2, 3], 2, 2),
}


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    graph = tf.Graph()
    with graph.as_default():
        for name, (dtype, shape, parts, axis) in PARTITIONED.items():
            initializer = (
                tf.compat.v1.random_uniform_initializer(-1.0, 1.0, seed=1)
                if dtype.is_floating else
                tf.compat.v1.random_uniform_initializer(-1000, 1000, seed=2,
                                                        dtype=dtype))
            variable = tf.compat.v1.get_variable(
                name, shape=shape, dtype=dtype, initializer=initializer,
                partitioner=tf.compat.v1.fixed_size_partitioner(parts, axis))
            assert len(list(variable)) == parts
        tf.compat.v1.Variable(np.arange(6, dtype=np.int8), name="plain")
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            directory = tmp_path_factory.mktemp("partitioned")
            return saver.save(sess, str(directory / "model"))


def test_read_tensor_assembles_partitions(tool, prefix):
    ours, _ = tool.read(prefix)
    theirs = tf_read_all(prefix)
    assert sorted(ours) == sorted(theirs) == sorted([*PARTITIONED, "plain"])
    for name, value in theirs.items():
        assert ours[name].info["partitioned"] == (name in PARTITIONED), name
        assert_identical(ours[name].value, value, name)


@pytest.mark.parametrize("name,spec,index", [
    ("rows", "2,5:1,2", np.s_[2:7, 1:3]),  # crosses the 4|3 row boundary
    ("rows", "3,5:-", np.s_[3:8, :]),      # crosses both boundaries
    ("scope/cols", "-:2,6", np.s_[:, 2:8]),
    ("ids", "6,1", np.s_[6:7]),
    ("counts", "1,3:-:1,2", np.s_[1:4, :, 1:3]),
    ("plain", "1,4", np.s_[1:5]),
])
def test_read_slice_across_partitions(tool, prefix, name, spec, index):
    full = tf_read_all(prefix)[name]
    assert_identical(tool.read_slice(prefix, name, spec), full[index],
                     f"{name}[{spec}]")


def test_cli_ls_lists_each_tensor_once(cli, prefix):
    listing = cli.json("ls", prefix, "--json")
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    assert sorted(row["name"] for row in listing) == sorted(shapes)
    for row in listing:
        assert row["shape"] == shapes[row["name"]], row
        assert row["dtype"] == dtypes[row["name"]].name, row


def test_cli_dump_assembles_partitions(cli, prefix):
    full = tf_read_all(prefix)["ids"]
    doc = cli.json("dump", prefix, "ids", "--json")
    assert doc["shape"] == list(full.shape)
    assert doc["values"] == [int(v) for v in full]
