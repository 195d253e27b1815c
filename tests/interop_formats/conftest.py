"""Helpers for the formats interop tests.

tfckpt is reached through its CLI (TFCKPT_BIN, set by CTest). Tensor values
come back through `tfckpt convert ... X.npz` and numpy, which keeps every
bit; expected values always come from TensorFlow in the same run.
"""

import json
import os
import subprocess

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TF loads

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def tfckpt(*args, check=True):
    """Runs the tfckpt CLI; returns the CompletedProcess (text mode)."""
    path = os.environ.get("TFCKPT_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("TFCKPT_BIN must name the built tfckpt; run through ctest", pytrace=False)
    proc = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, (
            f"tfckpt {' '.join(map(str, args))} exited {proc.returncode}\n"
            f"stdout: {proc.stdout[-4000:]}\nstderr: {proc.stderr[-4000:]}")
    return proc


def ls_json(path):
    """{name: (dtype, shape)} as `tfckpt ls --json` reports it."""
    return {e["name"]: (e["dtype"], list(e["shape"]))
            for e in json.loads(tfckpt("ls", path, "--json").stdout)}


def read_all_via_npz(path, tmp_path):
    """Every non-string tensor of checkpoint `path`, read by tfckpt."""
    out = tmp_path / "read_all.npz"
    tfckpt("convert", path, out)
    with np.load(out) as npz:
        return {k: npz[k] for k in npz.files if k != "__tfckpt_dtypes__"}


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype.itemsize == b.dtype.itemsize and \
        a.tobytes() == b.tobytes()
