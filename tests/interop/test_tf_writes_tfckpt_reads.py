"""TensorFlow writes, tfckpt reads.

Proves that for checkpoints written by TensorFlow's TF1 graph-mode Saver and
by tf.train.Checkpoint (eager), tfckpt's BundleReader lists exactly the
tensors TF's own reader lists and returns every value bit for bit as TF
reads it: every savable dtype with edge values (NaN payloads, signed zeros,
subnormals, integer extremes; strings that are empty, hold NULs, are longer
than 127 bytes or are not UTF-8), scalars, empty tensors and a 12 MB tensor.
Also proves that `tfckpt dump --json` prints those values exactly.
"""

import base64
import math

import numpy as np
import pytest

from conftest import (JsonNumber, assert_identical, dtype_name,
                      save_with_checkpoint, save_with_saver, tf_read_all)


def assert_reads_like_tf(tool, prefix):
    """tfckpt's view of `prefix` equals TF's; returns TF's values."""
    ours, _ = tool.read(prefix)
    theirs = tf_read_all(prefix)
    assert sorted(ours, key=repr) == sorted(theirs, key=repr)
    for name, value in theirs.items():
        assert_identical(ours[name].value, value, name)
    return theirs


@pytest.fixture(scope="module")
def all_arrays(sample_arrays, large_array):
    return {**sample_arrays, "large": large_array}


@pytest.fixture(scope="module")
def saver_prefix(tmp_path_factory, all_arrays):
    return save_with_saver(tmp_path_factory.mktemp("saver"), all_arrays)


def test_tf1_saver(tool, saver_prefix, all_arrays):
    theirs = assert_reads_like_tf(tool, saver_prefix)
    # TF really stored the edge values we meant to test.
    assert set(theirs) == set(all_arrays)
    for name, value in all_arrays.items():
        assert_identical(theirs[name], value, f"TF's own {name}")


def test_tf2_checkpoint(tool, tmp_path, all_arrays):
    prefix = save_with_checkpoint(tmp_path, all_arrays)
    theirs = assert_reads_like_tf(tool, prefix)
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in theirs
    for name, value in all_arrays.items():
        assert_identical(theirs[f"{name}/.ATTRIBUTES/VARIABLE_VALUE"], value,
                         f"TF's own {name}")


def _assert_float_text(text, expected, what):
    """A float printed by dump: the string "nan", "inf" or "-inf", or a
    number that parses back to exactly `expected` (a numpy float of the
    stored type)."""
    if math.isnan(float(expected)):
        assert text == "nan" and not isinstance(text, JsonNumber), what
    elif math.isinf(float(expected)):
        assert text == ("inf" if expected > 0 else "-inf"), what
        assert not isinstance(text, JsonNumber), what
    else:
        assert isinstance(text, JsonNumber), f"{what}: {text!r} is quoted"
        parsed = np.array(float(text), dtype=expected.dtype)
        assert parsed.tobytes() == np.array(expected).tobytes(), \
            f"{what}: {text!r} parses to {parsed!r}, stored {expected!r}"


def _assert_dump_value(text, expected, dtype, what):
    if dtype == "string":
        got = (text.encode("utf-8") if isinstance(text, str)
               else base64.b64decode(text["base64"]))
        assert got == expected, what
    elif dtype == "bool":
        assert text is bool(expected), what
    elif dtype.startswith("complex"):
        assert isinstance(text, list) and len(text) == 2, what
        _assert_float_text(text[0], expected.real, what + " real")
        _assert_float_text(text[1], expected.imag, what + " imag")
    elif dtype.startswith(("float", "bfloat")):
        _assert_float_text(text, expected, what)
    else:
        assert isinstance(text, JsonNumber) and int(text) == int(expected), \
            what


def test_cli_dump_json(cli, saver_prefix, sample_arrays):
    theirs = tf_read_all(saver_prefix)
    for name in sample_arrays:
        expected = theirs[name]
        doc = cli.json("dump", saver_prefix, name, "--json",
                       numbers_as_text=True)
        dtype = doc["dtype"]
        assert doc["name"] == name
        assert dtype == dtype_name(expected)
        assert [int(d) for d in doc["shape"]] == list(expected.shape), name
        assert len(doc["values"]) == expected.size, name
        for i, (text, value) in enumerate(zip(doc["values"], expected.ravel())):
            _assert_dump_value(text, value, dtype, f"{name}[{i}]")
