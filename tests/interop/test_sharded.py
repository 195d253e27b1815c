"""Checkpoints that TensorFlow splits over several data files.

Proves that tfckpt reads, bit for bit as TF does, checkpoints with more than
one .data shard: tf.train.Checkpoint with a MaxShardSizePolicy (which also
cuts a big string tensor into slices stored in different shards), and a TF1
Saver(sharded=True) over three CPU devices whose merged index joins the
slices of a partitioned variable spread over those devices. Also proves that
`tfckpt verify` accepts them and `tfckpt ls --json` lists what TF lists.
"""

import re

import numpy as np
import tensorflow as tf

from conftest import (as_array, assert_identical, data_files, make_array,
                      save_with_checkpoint, tf_read_all)


def assert_sharded_reads_like_tf(tool, cli, prefix, theirs, min_shards):
    """tfckpt reads `theirs` ({name: TF's value}) from `prefix`, which has
    at least `min_shards` data files, and lists what TF lists."""
    files = data_files(prefix)
    assert len(files) >= min_shards, files
    ours, num_shards = tool.read(prefix)
    assert num_shards == len(files)
    names = sorted(tf.train.load_checkpoint(prefix).get_variable_to_shape_map())
    assert sorted(ours) == names
    assert sorted(theirs) == names
    for name, value in theirs.items():
        assert_identical(ours[name].value, value, name)
    # The tensors really are spread over the shards.
    used = {s.info["shard_id"] for s in ours.values()
            if not s.info["partitioned"] and s.value.size > 0}
    assert len(used) >= min_shards, used
    assert cli.run("verify", prefix).stdout.startswith("OK")
    listing = cli.json("ls", prefix, "--json")
    assert sorted(row["name"] for row in listing) == names
    return ours


def test_max_shard_size_policy(tool, cli, tmp_path, sample_arrays):
    rng = np.random.default_rng(3)
    # TF 2.21's MaxShardSizePolicy leaves empty tensors out of the
    # checkpoint, and raises on string tensors other than scalars and
    # vectors: keep only what it saves.
    arrays = {name: value for name, value in sample_arrays.items()
              if value.size and (value.dtype != object or value.ndim <= 1)}
    for i in range(4):
        arrays[f"block{i}"] = rng.standard_normal(3000).astype(np.float32)
    arrays["words"] = make_array("string", [b"w%d" % i * i for i in range(300)])
    policy = tf.train.experimental.MaxShardSizePolicy(max_shard_size=16384)
    options = tf.train.CheckpointOptions(experimental_sharding_callback=policy)
    prefix = save_with_checkpoint(tmp_path, arrays, options=options)
    # The policy cuts tensors into slices at shard boundaries, and TF cannot
    # read back slices of strings, half or the wider unsigned types ("Dtype
    # uint64 not supported"), so the expected values are the ones TF saved.
    theirs = {f"{name}/.ATTRIBUTES/VARIABLE_VALUE": value
              for name, value in arrays.items()}
    theirs["_CHECKPOINTABLE_OBJECT_GRAPH"] = as_array(
        tf.train.load_checkpoint(prefix).get_tensor(
            "_CHECKPOINTABLE_OBJECT_GRAPH"))
    ours = assert_sharded_reads_like_tf(tool, cli, prefix, theirs,
                                        min_shards=3)
    assert ours["words/.ATTRIBUTES/VARIABLE_VALUE"].info["partitioned"]


def _device_of(op):
    """Partition k of a partitioned variable goes to CPU k; the rest by the
    digit in their name."""
    match = re.search(r"(?:part_|_on_)(\d)", op.name)
    return f"/cpu:{match.group(1) if match else 0}"


def test_tf1_sharded_saver_over_devices(tool, cli, tmp_path):
    graph = tf.Graph()
    with graph.as_default(), graph.device(_device_of):
        for k in range(3):
            tf.compat.v1.Variable(np.full([50], k, np.float32),
                                  name=f"w_on_{k}")
            tf.compat.v1.Variable(np.array([b"s%d" % k, b"\x00" * k]),
                                  name=f"s_on_{k}")
        parted = tf.compat.v1.get_variable(
            "part", shape=[9, 2], dtype=tf.float64,
            initializer=tf.compat.v1.random_uniform_initializer(seed=4),
            partitioner=tf.compat.v1.fixed_size_partitioner(3))
        assert len({v.device for v in parted}) == 3
        saver = tf.compat.v1.train.Saver(sharded=True)
        config = tf.compat.v1.ConfigProto(device_count={"CPU": 3})
        with tf.compat.v1.Session(graph=graph, config=config) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "model"))
    ours = assert_sharded_reads_like_tf(tool, cli, prefix, tf_read_all(prefix),
                                        min_shards=3)
    assert ours["part"].info["partitioned"]
