"""tfckpt writes, TensorFlow reads.

Proves that bundles written by tfckpt's BundleWriter are read by TensorFlow's
own reader bit for bit: every dtype with edge values, scalars, empty tensors,
a 12 MB tensor, padded data (data_alignment > 1), and partitioned tensors
written slice by slice that TF assembles; the same written by WriteBundle
over several data files in parallel. Also proves a TF1 Saver restores
graph variables, plain and partitioned, from a tfckpt-written checkpoint.
"""

import numpy as np
import pytest
import tensorflow as tf

from conftest import (Slice, assert_identical, data_files, make_array,
                      tf_read_all)


@pytest.mark.parametrize("data_alignment,num_shards",
                         [(None, None), (64, None), (None, 3), (64, 4)])
def test_tf_reads_every_dtype(tool, tmp_path, sample_arrays, large_array,
                              data_alignment, num_shards):
    arrays = {**sample_arrays, "large": large_array}
    prefix = str(tmp_path / "ours")
    tool.write(prefix, list(arrays.items()), data_alignment=data_alignment,
               num_shards=num_shards)
    assert len(data_files(prefix)) == (num_shards or 1)
    theirs = tf_read_all(prefix)
    assert sorted(theirs) == sorted(arrays)
    for name, value in arrays.items():
        assert_identical(theirs[name], value, name)


def _slices_of(full, specs):
    """(Slice, value) for each "start,len:..." spec, cut out of `full`."""
    return [(part, part.cut(full))
            for part in (Slice(full.shape, spec) for spec in specs)]


# TF assembles partitioned tensors of these dtypes (not half, string, uint16+).
SLICED = {
    "p/float32": (make_array("float32", np.arange(40) * 0.25, (10, 4)),
                  ["4,6:0,2", "0,4:-", "4,6:2,2"]),
    "p/float64": (make_array("float64", np.linspace(-1, 1, 21), (3, 7)),
                  ["-:0,3", "-:3,4"]),
    "p/int64": (make_array("int64", np.arange(9) - 2 ** 40), ["0,2", "2,7"]),
    "p/int8": (make_array("int8", np.arange(-12, 12), (2, 3, 4)),
               ["0,1:-:-", "1,1:0,2:-", "1,1:2,1:-"]),
    "p/bool": (make_array("bool", np.arange(8) % 3 == 0), ["0,5", "5,3"]),
    "p/bfloat16": (make_array("bfloat16", np.arange(12) / 7, (4, 3)),
                   ["0,2:-", "2,2:-"]),
    "p/complex128": (make_array("complex128", np.arange(6) * (1 - 2j)),
                     ["3,3", "0,3"]),
}


@pytest.mark.parametrize("num_shards", [None, 5])
def test_tf_assembles_our_slices(tool, tmp_path, num_shards):
    prefix = str(tmp_path / "sliced")
    entries = [("plain", make_array("int32", [7, 8, 9]))]
    for name, (full, pieces) in SLICED.items():
        entries += [(name, value, part) for part, value in
                    _slices_of(full, pieces)]
    tool.write(prefix, entries, num_shards=num_shards)
    # The slices of one tensor land in different shards too.
    assert len(data_files(prefix)) == (num_shards or 1)
    theirs = tf_read_all(prefix)
    assert sorted(theirs) == sorted([*SLICED, "plain"])
    for name, (full, _) in SLICED.items():
        assert_identical(theirs[name], full, name)


def test_tf1_saver_restores_our_checkpoint(tool, tmp_path):
    rng = np.random.default_rng(11)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = np.array([np.nan, -0.0, np.inf, 1e-45], dtype=np.float32)
    part = rng.standard_normal((10, 4)).astype(np.float32)
    prefix = str(tmp_path / "ours")
    # fixed_size_partitioner(3) splits 10 rows 4|3|3; TF's slice specs list
    # every dimension explicitly.
    slices = _slices_of(part, ["0,4:0,4", "4,3:0,4", "7,3:0,4"])
    tool.write(prefix, [("layer/w", w), ("layer/b", b)] +
               [("part", value, s) for s, value in reversed(slices)])

    graph = tf.Graph()
    with graph.as_default():
        w_var = tf.compat.v1.get_variable("layer/w", shape=[3, 4])
        b_var = tf.compat.v1.get_variable("layer/b", shape=[4])
        part_var = tf.compat.v1.get_variable(
            "part", shape=[10, 4],
            partitioner=tf.compat.v1.fixed_size_partitioner(3))
        with tf.compat.v1.Session(graph=graph) as sess:
            tf.compat.v1.train.Saver().restore(sess, prefix)
            got_w, got_b, got_part = sess.run(
                [w_var, b_var, part_var.as_tensor()])
    assert_identical(got_w, w, "layer/w")
    assert_identical(got_b, b, "layer/b")
    assert_identical(got_part, part, "part")
