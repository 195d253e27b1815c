"""`tfckpt convert` against numpy, the safetensors package and TensorFlow:
checkpoint -> safetensors / .npz loads in those packages with TF's values;
files they write -> checkpoint loads in TF with their values; round trips
keep every bit."""

import json

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import tensorflow as tf

from conftest import same_bits, tfckpt

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
          "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128")


def values_for(dtype, rng):
    v = rng.standard_normal((4, 3)) * 50
    if dtype.startswith("complex"):
        v = v + 1j * rng.standard_normal((4, 3))
    if dtype == "bool":
        return tf.constant(v > 0)
    return tf.cast(tf.constant(v), dtype)


@pytest.fixture(scope="module")
def tf_checkpoint(tmp_path_factory):
    """A TF2 checkpoint of every dtype plus a string; TF's values."""
    tmp = tmp_path_factory.mktemp("ckpt")
    rng = np.random.default_rng(3)
    module = tf.Module()
    for dtype in DTYPES:
        setattr(module, "v_" + dtype, tf.Variable(values_for(dtype, rng)))
    module.empty = tf.Variable(tf.zeros([0, 5], tf.float32))
    module.text = tf.Variable([b"a", b"\xff"])
    path = tf.train.Checkpoint(m=module).write(str(tmp / "ckpt"))
    reader = tf.train.load_checkpoint(path)
    values = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}
    return path, values


def is_string(value):
    """TF returns a string scalar as bytes, other string tensors as objects."""
    return isinstance(value, bytes) or value.dtype == object


def key(name):
    return f"m/{name}/.ATTRIBUTES/VARIABLE_VALUE"


def test_checkpoint_to_safetensors_loads_in_safetensors(tf_checkpoint, tmp_path):
    path, values = tf_checkpoint
    out = tmp_path / "m.safetensors"
    proc = tfckpt("convert", path, out)
    # Strings, complex128 and the object graph (a string) are reported.
    assert key("text") in proc.stderr and key("v_complex128") in proc.stderr
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in proc.stderr
    raw = dict(safetensors.deserialize(out.read_bytes()))
    expected = {k for k in values if not is_string(values[k])} - {key("v_complex128")}
    assert set(raw) == expected
    for name in expected:
        assert raw[name]["shape"] == list(values[name].shape), name
        assert bytes(raw[name]["data"]) == values[name].tobytes(), name
    # The package's numpy API has no bfloat16 (its raw deserialize() above
    # does) and safetensors no complex128; it reads and writes the rest.
    subset = tmp_path / "numpy.safetensors"
    tfckpt("convert", path, tmp_path / "all.npz")
    with np.load(tmp_path / "all.npz") as npz:
        plain = {k: npz[k] for k in npz.files
                 if k != "__tfckpt_dtypes__" and "bfloat16" not in k and "complex128" not in k}
    safetensors.numpy.save_file(plain, str(subset))
    tfckpt("convert", subset, tmp_path / "again.safetensors")
    loaded = safetensors.numpy.load_file(str(tmp_path / "again.safetensors"))
    assert set(loaded) == set(plain)
    for name, value in plain.items():
        assert same_bits(loaded[name], value) and loaded[name].dtype == value.dtype, name


def test_checkpoint_to_npz_loads_in_numpy(tf_checkpoint, tmp_path):
    path, values = tf_checkpoint
    out = tmp_path / "m.npz"
    tfckpt("convert", path, out)
    with np.load(out) as npz:
        dtypes = json.loads(npz["__tfckpt_dtypes__"].item())
        assert dtypes == {key("v_bfloat16"): "bfloat16"}
        for name, value in values.items():
            if is_string(value):
                assert name not in npz.files
                continue
            assert same_bits(npz[name], value), name
            if name not in dtypes:
                assert npz[name].dtype == value.dtype, name


def test_numpy_npz_to_checkpoint_loads_in_tf(tmp_path):
    rng = np.random.default_rng(5)
    arrays = {
        "dense/kernel": rng.standard_normal((3, 4)).astype(np.float32),
        "dense/bias": rng.standard_normal(4),
        "step": np.array(7, dtype=np.int64),
        "mask": rng.standard_normal(5) > 0,
        "half": rng.standard_normal((2, 2)).astype(np.float16),
        "c": (rng.standard_normal(2) + 1j).astype(np.complex64),
        "empty": np.zeros((0, 3), np.int32),
    }
    np.savez(tmp_path / "in.npz", **arrays)
    with open(tmp_path / "map.json", "w") as f:
        json.dump({"dense/kernel": "layer/w"}, f)
    tfckpt("convert", tmp_path / "in.npz", tmp_path / "out" / "ckpt", "--rename",
           tmp_path / "map.json")
    reader = tf.train.load_checkpoint(str(tmp_path / "out" / "ckpt"))
    names = set(reader.get_variable_to_shape_map())
    assert names == (set(arrays) - {"dense/kernel"}) | {"layer/w"}
    for name, value in arrays.items():
        got = reader.get_tensor("layer/w" if name == "dense/kernel" else name)
        assert same_bits(got, value) and got.dtype == value.dtype, name


def test_safetensors_package_file_to_checkpoint_loads_in_tf(tmp_path):
    rng = np.random.default_rng(6)
    arrays = {name: (rng.standard_normal((2, 3)) * 10).astype(dtype)
              for name, dtype in [("f", np.float32), ("d", np.float64), ("i", np.int16),
                                  ("u", np.uint64), ("h", np.float16)]}
    safetensors.numpy.save_file(arrays, str(tmp_path / "in.safetensors"))
    tfckpt("convert", tmp_path / "in.safetensors", tmp_path / "ckpt")
    reader = tf.train.load_checkpoint(str(tmp_path / "ckpt"))
    for name, value in arrays.items():
        got = reader.get_tensor(name)
        assert same_bits(got, value) and got.dtype == value.dtype, name


@pytest.mark.parametrize("via", ["m.safetensors", "m.npz"])
def test_round_trip_is_bit_exact(tf_checkpoint, tmp_path, via):
    path, values = tf_checkpoint
    tfckpt("convert", path, tmp_path / via)
    tfckpt("convert", tmp_path / via, tmp_path / "back")
    reader = tf.train.load_checkpoint(str(tmp_path / "back"))
    kept = reader.get_variable_to_dtype_map()
    for name, dtype in kept.items():
        assert dtype == tf.dtypes.as_dtype(values[name].dtype) or \
            (dtype == tf.bfloat16 and "bfloat16" in name), name
        assert same_bits(reader.get_tensor(name), values[name]), name
    lost = {k for k, v in values.items() if is_string(v)}
    if via.endswith("safetensors"):
        lost |= {key("v_complex128")}
    assert set(kept) == set(values) - lost
