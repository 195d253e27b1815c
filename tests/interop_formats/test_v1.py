"""V1 checkpoints: the real TF 0.x files and what TF 2.21's V1 Saver writes
now (unsharded and sharded, many dtypes, a partitioned variable), read by
tfckpt and compared with TensorFlow's own reader in the same run."""

import base64
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from conftest import ls_json, read_all_via_npz, same_bits, tfckpt

# ../shared beside the source tree, as the C++ tests' TfRealPath().
TF_REAL = os.path.join(
    os.environ.get("TFCKPT_TF_REAL_DIR",
                   os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                "testdata", "tf-real")),
    "v1-format")

# The dtypes TF's V1 writer accepts (bfloat16 is refused: "Saving data type
# bfloat16 not yet supported").
V1_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
             "bool", "complex64", "complex128")


def tf_view(path):
    reader = tf.train.load_checkpoint(path)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    return reader, {k: (dtypes[k].name, list(shapes[k])) for k in shapes}


def decode_dumped_string(value):
    """`tfckpt dump --json` writes non-UTF-8 strings as {"base64": ...}."""
    return base64.b64decode(value["base64"]) if isinstance(value, dict) else value.encode()


def check_against_tf(path, tmp_path, session_values=None):
    """Names, dtypes and shapes against TF's reader; values against TF's
    reader, or, where it cannot read them (it refuses partitioned V1 tensors
    and some dtypes, "Data type not supported"), the saving session's."""
    reader, expected = tf_view(path)
    assert ls_json(path) == expected
    values = read_all_via_npz(path, tmp_path)
    for name, (dtype, _) in expected.items():
        try:
            reference = reader.get_tensor(name)
        except (tf.errors.UnimplementedError, NotImplementedError):
            reference = session_values[name]
        if dtype == "string":
            dumped = json.loads(tfckpt("dump", path, name, "--json").stdout)
            assert [decode_dumped_string(v) for v in dumped["values"]] == \
                list(np.asarray(reference).ravel()), name
        else:
            assert same_bits(values[name], reference), name
    assert tfckpt("verify", path).stdout.startswith("OK")
    return values


@pytest.mark.parametrize("name", ["model.ckpt", "video_weights.ckpt"])
def test_real_v1_files(name, tmp_path):
    check_against_tf(os.path.join(TF_REAL, name), tmp_path)


@pytest.mark.parametrize("sharded", [False, True])
def test_v1_written_by_tf_now(sharded, tmp_path):
    rng = np.random.default_rng(7)
    graph = tf.Graph()
    with graph.as_default():
        variables = {}
        for dtype in V1_DTYPES:
            value = (rng.standard_normal((3, 4)) * 100).astype(dtype)
            variables[dtype] = tf.compat.v1.Variable(value, name="v_" + dtype)
        variables["string"] = tf.compat.v1.Variable([b"a", b"", b"\x00\xff"], name="v_string")
        part = tf.compat.v1.get_variable(
            "part", shape=[10, 3], partitioner=tf.compat.v1.fixed_size_partitioner(3),
            initializer=tf.compat.v1.random_normal_initializer(seed=1))
        saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V1,
                                         sharded=sharded)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            (tmp_path / "ckpt").mkdir()
            path = saver.save(sess, str(tmp_path / "ckpt" / "model.ckpt"), global_step=5)
            session_values = sess.run({v.op.name: v for v in variables.values()})
            session_values["part"] = sess.run(tf.convert_to_tensor(part))
    assert ("?????-of-" in path) == sharded
    # tfckpt resolves the directory through the state file TF wrote.
    assert tfckpt("latest", tmp_path / "ckpt").stdout.strip() == path
    values = check_against_tf(path, tmp_path, session_values)
    assert same_bits(read_all_via_npz(str(tmp_path / "ckpt"), tmp_path)["part"],
                     session_values["part"])
    # cp rewrites it as V2, which TF reads (slices stay slices).
    tfckpt("cp", path, tmp_path / "v2" / "model")
    v2 = tf.train.load_checkpoint(str(tmp_path / "v2" / "model"))
    for dtype in V1_DTYPES:
        assert same_bits(v2.get_tensor("v_" + dtype), values["v_" + dtype])


def test_missing_v1_checkpoint_fails_cleanly(tmp_path):
    proc = tfckpt("ls", tmp_path / "nothing-?????-of-00002", check=False)
    assert proc.returncode == 1
    assert "NOT_FOUND" in proc.stderr
