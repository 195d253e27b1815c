"""Fixtures shared by the interop tests.

The tests run real TensorFlow in-process and reach tfckpt through two
binaries named by environment variables (CTest sets both, see CMakeLists.txt):

  TFCKPT_BIN           the `tfckpt` command-line tool
  TFCKPT_INTEROP_TOOL  tests/interop/interop_tool, a thin bridge to the
                       library's BundleWriter / BundleReader

Values are numpy arrays; DT_STRING values are object arrays of `bytes`.
Expected results always come from TensorFlow in the same run. The test files
import the plain helpers below (`from conftest import ...`).
"""

import base64
import json
import os
import subprocess
from typing import NamedTuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TF loads

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Every dtype a TensorFlow checkpoint can hold that TF's Python API can save.
ALL_DTYPES = (
    "float16", "bfloat16", "float32", "float64",
    "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64",
    "bool", "complex64", "complex128", "string",
)


def _executable(var):
    path = os.environ.get(var)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            f"{var}={path!r} is not an executable; run these tests with "
            "`ctest -L interop` from a build directory, or set it to the built "
            "binary", pytrace=False)
    return path


def _run(argv, **kwargs):
    """Runs a binary; a failure shows its output."""
    proc = subprocess.run(argv, capture_output=True, **kwargs)
    assert proc.returncode == 0, (
        f"{argv[0]} {argv[1]} exited {proc.returncode}\n"
        f"stdout: {proc.stdout[-4000:]!r}\nstderr: {proc.stderr[-4000:]!r}")
    return proc


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _name_bytes(name):
    return name if isinstance(name, bytes) else name.encode("utf-8")


def _name_key(raw):
    """A name as TF's reader gives it (str); bytes when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def dtype_name(value):
    """TF's Python name of an array's dtype ("string" for object arrays)."""
    return "string" if value.dtype == object else tf.as_dtype(value.dtype).name


def make_array(dtype, values, shape=None):
    """An array of TF dtype `dtype` (strings: object array of bytes)."""
    np_dtype = (object if dtype == "string"
                else tf.as_dtype(dtype).as_numpy_dtype)
    array = np.array(values, dtype=np_dtype)
    return array if shape is None else array.reshape(shape)


def as_array(value):
    """Normalizes what tf's CheckpointReader returns (numpy scalars, bytes)."""
    if isinstance(value, bytes):
        return np.array(value, dtype=object)
    return np.asarray(value)


def assert_identical(ours, theirs, what):
    """Same dtype, shape and every byte (strings: every bytes object)."""
    ours, theirs = as_array(ours), as_array(theirs)
    assert dtype_name(ours) == dtype_name(theirs), f"{what}: dtype"
    assert ours.shape == theirs.shape, f"{what}: shape"
    if ours.dtype == object:
        a, b = list(ours.ravel()), list(theirs.ravel())
        assert all(isinstance(s, bytes) for s in a + b), f"{what}: not bytes"
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        assert not bad, (f"{what}: string {bad[0]} differs: "
                         f"{a[bad[0]][:80]!r} vs {b[bad[0]][:80]!r}")
        return
    a, b = ours.tobytes(), theirs.tobytes()
    if a != b:
        first = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
        pytest.fail(f"{what}: byte {first} of {len(a)} differs: "
                    f"{a[first:first + 16].hex()} vs "
                    f"{b[first:first + 16].hex()}", pytrace=False)


def assert_files_identical(ours, theirs):
    """Whole files byte for byte, reporting the first differing offset."""
    with open(ours, "rb") as f:
        a = f.read()
    with open(theirs, "rb") as f:
        b = f.read()
    if a == b:
        return
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y),
                 min(len(a), len(b)))
    pytest.fail(f"{os.path.basename(ours)} differs from TF's "
                f"{os.path.basename(theirs)}: sizes {len(a)} vs {len(b)}, "
                f"first difference at byte {first}: "
                f"{a[first:first + 24].hex()} vs {b[first:first + 24].hex()}",
                pytrace=False)


def tf_read_all(prefix):
    """Every tensor of a checkpoint as TensorFlow's own reader sees it."""
    reader = tf.train.load_checkpoint(prefix)
    return {name: as_array(reader.get_tensor(name))
            for name in reader.get_variable_to_shape_map()}


def data_files(prefix):
    directory, base = os.path.split(prefix)
    return sorted(f for f in os.listdir(directory)
                  if f.startswith(base + ".data-"))


class Slice(NamedTuple):
    """One slice of a partitioned tensor: full shape and "0,5:-" spec."""
    full_shape: tuple
    spec: str

    def save_v2_spec(self):
        """SaveV2's "10 4 0,5:-" form."""
        return " ".join(str(d) for d in self.full_shape) + " " + self.spec

    def cut(self, full):
        """This slice of the array `full`."""
        def extent(text):
            if text == "-":
                return slice(None)
            start, length = map(int, text.split(","))
            return slice(start, start + length)
        return np.ascontiguousarray(
            full[tuple(extent(t) for t in self.spec.split(":"))])


class Stored(NamedTuple):
    """One tensor as tfckpt's reader returned it."""
    value: np.ndarray
    info: dict  # the manifest entry: partitioned, shard_id, offset, size


class InteropTool:
    """Drives interop_tool (tfckpt's library) on numpy values."""

    def __init__(self, path, tmp_path_factory):
        self._path = path
        self._tmp = tmp_path_factory

    def write(self, prefix, entries, data_alignment=None, num_shards=None):
        """entries: (name, value) or (name, value, Slice), in add order;
        with num_shards, written by WriteBundle over that many data files."""
        work = self._tmp.mktemp("spec")
        tensors = []
        for i, (name, value, *part) in enumerate(entries):
            spec = {"name_b64": _b64(_name_bytes(name)),
                    "dtype": dtype_name(value), "shape": list(value.shape)}
            if value.dtype == object:
                spec["strings_b64"] = [_b64(s) for s in value.ravel()]
            elif value.nbytes < 65536:
                spec["data_b64"] = _b64(value.tobytes())
            else:
                spec["data_file"] = f"{i}.bin"
                (work / spec["data_file"]).write_bytes(value.tobytes())
            if part:
                spec["full_shape"] = list(part[0].full_shape)
                spec["slice"] = part[0].spec
            tensors.append(spec)
        doc = {"tensors": tensors}
        if data_alignment is not None:
            doc["data_alignment"] = data_alignment
        if num_shards is not None:
            doc["num_shards"] = num_shards
        (work / "spec.json").write_text(json.dumps(doc))
        _run([self._path, "write", str(work / "spec.json"), str(prefix)])

    def merge(self, dest, sources):
        """MergeBundles(sources, dest)."""
        _run([self._path, "merge", str(dest), *map(str, sources)])

    def read(self, prefix):
        """{name: Stored} for every tensor tfckpt lists, plus num_shards."""
        out = self._tmp.mktemp("read")
        _run([self._path, "read", str(prefix), str(out)])
        manifest = json.loads((out / "manifest.json").read_text())
        tensors = {}
        for entry in manifest["tensors"]:
            value = self._load(out / entry["file"], entry["dtype"],
                               entry["shape"])
            name = _name_key(base64.b64decode(entry["name_b64"]))
            assert name not in tensors, f"{name!r} listed twice"
            tensors[name] = Stored(value, entry)
        return tensors, manifest["num_shards"]

    def read_slice(self, prefix, name, spec):
        out = self._tmp.mktemp("slice") / "slice"
        proc = _run([self._path, "read-slice", str(prefix), name, spec,
                     str(out)])
        meta = json.loads(proc.stdout)
        return self._load(out, meta["dtype"], meta["shape"])

    @staticmethod
    def _load(path, dtype, shape):
        if dtype == "string":
            strings = [base64.b64decode(s)
                       for s in json.loads(path.read_text())]
            return make_array("string", strings, shape)
        np_dtype = tf.as_dtype(dtype).as_numpy_dtype
        return np.frombuffer(path.read_bytes(), dtype=np_dtype).reshape(shape)


class JsonNumber(str):
    """The text of a JSON number, as written (keeps "-0" and every digit)."""


class Cli:
    """Runs the tfckpt command-line tool."""

    def __init__(self, path):
        self._path = path

    def run(self, *args):
        """Runs `tfckpt ARGS...`, which must exit 0."""
        return _run([self._path, *map(str, args)], text=True)

    def json(self, *args, numbers_as_text=False):
        """Parsed stdout; numbers_as_text gives numbers as JsonNumber."""
        hooks = (dict(parse_int=JsonNumber, parse_float=JsonNumber)
                 if numbers_as_text else {})
        return json.loads(self.run(*args).stdout, **hooks)


@pytest.fixture(scope="session")
def tool(tmp_path_factory):
    return InteropTool(_executable("TFCKPT_INTEROP_TOOL"), tmp_path_factory)


@pytest.fixture(scope="session")
def cli():
    return Cli(_executable("TFCKPT_BIN"))


# (bits, exponent bits, mantissa bits) of the float types.
_FLOAT_LAYOUT = {"float16": (16, 5, 10), "bfloat16": (16, 8, 7),
                 "float32": (32, 8, 23), "float64": (64, 11, 52)}


def _special_floats(dtype):
    """Edge values of a float type, built from bit patterns: signed zeros,
    infinities, NaNs (negative, with a payload), extremes, the smallest
    normal and subnormal values."""
    width, exponent, mantissa = _FLOAT_LAYOUT[dtype]
    sign = 1 << (width - 1)
    inf = ((1 << exponent) - 1) << mantissa
    quiet_nan = inf | (1 << (mantissa - 1))
    largest = inf - 1
    patterns = [0, sign, inf, sign | inf, quiet_nan, sign | quiet_nan,
                quiet_nan | 1, largest, sign | largest, 1 << mantissa, 1,
                sign | 1]
    bits = np.array(patterns, dtype=f"u{width // 8}")
    return np.concatenate([bits.view(tf.as_dtype(dtype).as_numpy_dtype),
                           make_array(dtype, [1.0 / 3.0, -2.5])])


def _sample_arrays(rng):
    """A value of every dtype, edge values included, keyed by a name."""
    arrays = {}
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        random = rng.standard_normal(22).astype(np.float32)
        arrays[dtype] = np.concatenate(
            [_special_floats(dtype), make_array(dtype, random)]).reshape(4, 9)
    for dtype in ("int8", "int16", "int32", "int64",
                  "uint8", "uint16", "uint32", "uint64"):
        np_dtype = np.dtype(dtype)
        info = np.iinfo(np_dtype)
        random = rng.integers(info.min, info.max, size=10, dtype=np_dtype,
                              endpoint=True)
        edges = np.array([info.min, info.max, 0, 1], dtype=np_dtype)
        arrays[dtype] = np.concatenate([edges, random]).reshape(2, 7)
    arrays["bool"] = rng.integers(0, 2, size=(3, 5)).astype(bool)
    for dtype in ("complex64", "complex128"):
        # Parts set one by one: arithmetic would turn inf * 1j into nan.
        value = np.empty(8, dtype=dtype)
        value.real = np.concatenate([[np.nan, np.inf, -0.0],
                                     rng.standard_normal(5)])
        value.imag = np.concatenate([[1.0, -np.inf, np.nan],
                                     rng.standard_normal(5)])
        arrays[dtype] = value.reshape(2, 4)
    arrays["string"] = make_array("string", [
        b"", b"plain", b"embedded\x00nul\x00", b"\x00", b"x" * 200,
        bytes(range(256)), "h\u00e9llo \u2603".encode("utf-8"), b"\xff\xfe\x80",
    ], (2, 4))
    arrays["scalar_float32"] = make_array("float32", 3.25)
    arrays["scalar_int64"] = make_array("int64", -(2 ** 62) - 5)
    arrays["scalar_bool"] = make_array("bool", True)
    arrays["scalar_string"] = make_array("string", b"a scalar \x00 string")
    arrays["empty_float32"] = make_array("float32", [], (0,))
    arrays["empty_int32"] = make_array("int32", [], (3, 0))
    arrays["empty_string"] = np.empty((0,), dtype=object)
    arrays["empty_string_2d"] = np.empty((3, 0), dtype=object)
    arrays["empty_complex128"] = make_array("complex128", [], (0, 5))
    assert {dtype_name(v) for v in arrays.values()} == set(ALL_DTYPES)
    return arrays


@pytest.fixture(scope="session")
def sample_arrays():
    """{name: array}: every dtype with edge values, scalars, empty tensors."""
    return _sample_arrays(np.random.default_rng(20240521))


@pytest.fixture(scope="session")
def large_array():
    """3M random float32 values (12 MB)."""
    return np.random.default_rng(7).standard_normal(3_000_000, dtype=np.float32)


def tf_constant(value):
    """`value` as a TF tensor of its TF dtype (object arrays: tf.string)."""
    return tf.constant(value, dtype=tf.as_dtype(dtype_name(value)))


def save_with_saver(directory, arrays):
    """TF1 graph-mode Saver, one variable per array; returns the prefix."""
    graph = tf.Graph()
    with graph.as_default():
        for name, value in arrays.items():
            tf.compat.v1.Variable(tf_constant(value), name=name)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            return saver.save(sess, os.path.join(directory, "model.ckpt"),
                              global_step=7)


def save_with_checkpoint(directory, arrays, options=None):
    """TF2 tf.train.Checkpoint (eager) of one variable per array."""
    ckpt = tf.train.Checkpoint(**{name: tf.Variable(tf_constant(value))
                                  for name, value in arrays.items()})
    return ckpt.write(os.path.join(directory, "ckpt"), options=options)
