"""tfckpt's V1 writer (`tfckpt convert SRC DST --format v1`) against
TensorFlow 2.21's V1 Saver in the same run: byte-identical files, and TF
reading every value back bit for bit. Also V1 tables whose blocks are
Snappy-compressed (written by leveldb through snappy_table_tool)."""

import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

from conftest import ls_json, read_all_via_npz, same_bits, tfckpt

# What TF's V1 writer stores; its NewCheckpointReader reads only some of
# them back ("Data type not supported"), Saver.restore reads them all.
WRITABLE = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
            "uint16", "bool", "complex64", "complex128")
READER_DTYPES = ("float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")
SHAPES = {"matrix": (3, 4), "scalar": (), "empty": (0, 2)}


def random_value(rng, dtype, shape):
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    value = rng.standard_normal(shape) * 1000
    if dtype.startswith("complex"):
        value = value + 1j * rng.standard_normal(shape)
    return value.astype(dtype)


def build_variables(rng):
    """Variables of every writable dtype and shape, strings, and tensors big
    enough for several table blocks (256 KiB) and for TF's flush before a
    record of 512 KiB or more. Returns {name: variable}."""
    variables = {}
    for dtype in WRITABLE:
        for kind, shape in SHAPES.items():
            name = f"{dtype}_{kind}"
            variables[name] = tf.compat.v1.Variable(random_value(rng, dtype, shape), name=name)
    variables["strings"] = tf.compat.v1.Variable([b"a", b"", b"\x00\xff", b"x" * 300],
                                                 name="strings")
    variables["scope/big"] = tf.compat.v1.Variable(
        rng.standard_normal((300, 300)).astype(np.float32), name="scope/big")
    variables["scope/huge"] = tf.compat.v1.Variable(
        rng.standard_normal((400, 400)).astype(np.float32), name="scope/huge")
    return variables


def save_v1_twice(tmp_path):
    """TF's V1 Saver writes the same variables to a.ckpt and b.ckpt."""
    graph = tf.Graph()
    with graph.as_default():
        build_variables(np.random.default_rng(11))
        saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V1)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            return [saver.save(sess, str(tmp_path / name), write_meta_graph=False)
                    for name in ("a.ckpt", "b.ckpt")]


def test_v1_writer_is_byte_identical_to_tf(tmp_path):
    first, second = save_v1_twice(tmp_path)
    tf_bytes = open(first, "rb").read()
    # TF's V1 output is deterministic, so byte equality is a fair demand.
    assert tf_bytes == open(second, "rb").read()
    out = tmp_path / "ours.ckpt"
    proc = tfckpt("convert", first, out, "--format", "v1")
    assert proc.stderr == ""
    assert out.read_bytes() == tf_bytes
    assert not [p for p in os.listdir(tmp_path) if "tempstate" in p]


def test_tf_reads_what_tfckpt_writes(tmp_path):
    rng = np.random.default_rng(5)
    graph = tf.Graph()
    with graph.as_default():
        variables = build_variables(rng)
        variables["bf16"] = tf.compat.v1.Variable(
            rng.standard_normal((2, 2)).astype(np.float32), dtype=tf.bfloat16, name="bf16")
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            v2_prefix = tf.compat.v1.train.Saver().save(sess, str(tmp_path / "v2" / "model"))
    v2 = tf.train.load_checkpoint(v2_prefix)
    v1_path = str(tmp_path / "v1" / "model.ckpt")
    os.makedirs(os.path.dirname(v1_path))
    proc = tfckpt("convert", v2_prefix, v1_path, "--format", "v1")
    # TF's V1 writer refuses bfloat16, and so does tfckpt's: skipped, said.
    assert "skipped bf16: a V1 checkpoint cannot hold bfloat16 tensors" in proc.stderr
    assert not os.path.exists(v1_path + ".index")

    reader = tf.compat.v1.train.NewCheckpointReader(v1_path)
    shapes = reader.get_variable_to_shape_map()
    expected = {n: list(s) for n, s in v2.get_variable_to_shape_map().items() if n != "bf16"}
    assert shapes == expected
    assert {n: (d, s) for n, (d, s) in ls_json(v1_path).items()} == \
        {n: (v2.get_variable_to_dtype_map()[n].name, s) for n, s in expected.items()}
    for name in expected:
        if name.split("_")[0] in READER_DTYPES or name.startswith("scope/"):
            assert same_bits(reader.get_tensor(name), v2.get_tensor(name)), name
    assert [bytes(s) for s in reader.get_tensor("strings")] == list(v2.get_tensor("strings"))

    # Saver.restore reads every dtype of the V1 file.
    graph = tf.Graph()
    with graph.as_default():
        targets = {name: tf.compat.v1.Variable(tf.zeros(shape, dtype=v2.get_variable_to_dtype_map()[name]),
                                               name=name)
                   for name, shape in expected.items() if name != "strings"}
        with tf.compat.v1.Session() as sess:
            tf.compat.v1.train.Saver(list(targets.values())).restore(sess, v1_path)
            restored = sess.run(targets)
    for name, value in restored.items():
        assert same_bits(value, v2.get_tensor(name)), name


def test_v1_format_needs_a_checkpoint_destination(tmp_path):
    first, _ = save_v1_twice(tmp_path)
    proc = tfckpt("convert", first, tmp_path / "x.npz", "--format", "v1", check=False)
    assert proc.returncode == 1
    assert "INVALID_ARGUMENT" in proc.stderr and "--format v1" in proc.stderr


def test_snappy_compressed_v1_table(tmp_path):
    tool = os.environ.get("TFCKPT_SNAPPY_TABLE_TOOL")
    if not tool or not os.access(tool, os.X_OK):
        pytest.fail("TFCKPT_SNAPPY_TABLE_TOOL must name the built tool; run through ctest",
                    pytrace=False)
    graph = tf.Graph()
    with graph.as_default():
        # Compressible values: Snappy keeps a block raw unless it saves 1/8.
        tf.compat.v1.Variable(np.tile(np.arange(50, dtype=np.float32), (40, 1)), name="ramp")
        tf.compat.v1.Variable(np.zeros((100, 7), np.int64), name="zeros")
        tf.compat.v1.Variable([b"abc" * 100] * 20, name="text")
        saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V1)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            plain = saver.save(sess, str(tmp_path / "plain.ckpt"), write_meta_graph=False)
    snappy = str(tmp_path / "snappy.ckpt")
    subprocess.run([tool, plain, snappy], check=True)
    assert os.path.getsize(snappy) * 2 < os.path.getsize(plain), "blocks were not compressed"

    reference = tf.train.load_checkpoint(plain)
    assert ls_json(snappy) == ls_json(plain)
    values = read_all_via_npz(snappy, tmp_path)
    for name in ("ramp", "zeros"):
        assert same_bits(values[name], reference.get_tensor(name)), name
    assert tfckpt("verify", snappy).stdout.startswith("OK")
    # Rewritten as plain V1 by tfckpt, it is TF's file again.
    tfckpt("convert", snappy, tmp_path / "again.ckpt", "--format", "v1")
    assert (tmp_path / "again.ckpt").read_bytes() == open(plain, "rb").read()
