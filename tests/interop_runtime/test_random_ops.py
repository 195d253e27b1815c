"""Random ops against TensorFlow, bit for bit: the same GraphDef runs several
times in a tf.compat.v1 Session and in tfckpt's Session (random_driver, which
stores every fetched value in a checkpoint), with the same fetches per run.
Later runs must continue each node's stream exactly as TF does, also when a
run fetches only some of the nodes."""
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

tf1 = tf.compat.v1
raw = tf.raw_ops

FLOAT_OPS = ("RandomStandardNormal", "TruncatedNormal", "RandomUniform")
FLOAT_DTYPES = (tf.float32, tf.float64, tf.float16, tf.bfloat16)
# Sizes that end in a partial group of 4 (or 2) values, and an empty one.
SHAPES = ([7], [3, 5], [2, 1, 3], [1], [0])
SEEDS = ((1, 2), (87654321, 0), (0, 5), (2**40 + 3, 2**33 + 5), (-7, 11))


def _driver():
    path = os.environ.get("TFCKPT_RANDOM_DRIVER")
    if not path or not os.path.exists(path):
        pytest.fail("TFCKPT_RANDOM_DRIVER must name the built random_driver; run through ctest",
                    pytrace=False)
    return path


def run_both(tmp_path, build, runs):
    """Builds the graph with build() (returns name -> tensor), then runs the
    fetch lists of `runs` in order in TF and in tfckpt. Returns both results
    as lists (one per run) of name -> array."""
    with tf.Graph().as_default() as graph:
        tensors = build()
        graph_path = str(tmp_path / "graph.pb")
        with open(graph_path, "wb") as f:
            f.write(graph.as_graph_def().SerializeToString())
        with tf1.Session() as sess:
            expected = [dict(zip(run, sess.run([tensors[n] for n in run]))) for run in runs]
    names = {n: tensors[n].name for run in runs for n in run}
    prefix = str(tmp_path / "values")
    cmd = [_driver(), graph_path, prefix] + [",".join(names[n] for n in run) for run in runs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    reader = tf.train.load_checkpoint(prefix)
    ours = [{n: reader.get_tensor(f"{i}/{names[n]}") for n in run} for i, run in enumerate(runs)]
    return expected, ours


def assert_bit_identical(expected, ours):
    for run, (want_run, got_run) in enumerate(zip(expected, ours)):
        for name, want in want_run.items():
            got = got_run[name]
            assert got.dtype == want.dtype and got.shape == want.shape, (run, name)
            assert got.tobytes() == want.tobytes(), (
                f"run {run}, {name}: first values {got.ravel()[:6]} vs TF {want.ravel()[:6]}")


def float_ops(op, dtype, seeds):
    def build():
        out = {}
        for (seed, seed2) in seeds:
            for i, shape in enumerate(SHAPES):
                shape_dtype = tf.int64 if i % 2 else tf.int32
                name = f"{op}_{dtype.name}_{seed}_{seed2}_{i}".replace("-", "m")
                out[name] = getattr(raw, op)(
                    shape=tf.constant(shape, shape_dtype), dtype=dtype,
                    seed=seed, seed2=seed2, name=name)
        return out
    return build


def every_run_pattern(names):
    """All nodes, then every other node only, then all again."""
    names = sorted(names)
    return [names, names[::2], names, names]


@pytest.mark.parametrize("op", FLOAT_OPS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_float_random_ops_match_tf_across_runs(tmp_path, op, dtype):
    build = float_ops(op, dtype, SEEDS)
    with tf.Graph().as_default():
        names = list(build().keys())
    expected, ours = run_both(tmp_path, build, every_run_pattern(names))
    assert_bit_identical(expected, ours)


INT_RANGES = {
    tf.int32: ((0, 10), (-5, 7), (-2**31, 2**31 - 1), (100, 2**30 + 77)),
    tf.int64: ((0, 10), (-3, 2**40 + 1), (-2**63, 2**63 - 1), (2**33, 2**33 + 1000)),
}


@pytest.mark.parametrize("dtype", (tf.int32, tf.int64), ids=lambda d: d.name)
def test_random_uniform_int_matches_tf_across_runs(tmp_path, dtype):
    def build():
        out = {}
        for (seed, seed2) in SEEDS:
            for r, (lo, hi) in enumerate(INT_RANGES[dtype]):
                for i, shape in enumerate(SHAPES):
                    name = f"int_{seed}_{seed2}_{r}_{i}".replace("-", "m")
                    out[name] = raw.RandomUniformInt(
                        shape=tf.constant(shape), minval=tf.constant(lo, dtype),
                        maxval=tf.constant(hi, dtype), seed=seed, seed2=seed2, name=name)
        return out

    with tf.Graph().as_default():
        names = list(build().keys())
    expected, ours = run_both(tmp_path, build, every_run_pattern(names))
    assert_bit_identical(expected, ours)


def test_graph_level_seed_initializers_match_tf(tmp_path):
    """Seeds chosen by TF's Python layer (graph-level seed), the shifting and
    scaling ops of tf.random.*, and several initializers of one model."""
    def build():
        tf1.set_random_seed(1234)
        return {
            "normal": tf.random.normal([4, 3], mean=1.5, stddev=0.5),
            "uniform": tf.random.uniform([9], minval=-2.0, maxval=3.0),
            "uniform_int": tf.random.uniform([6], minval=3, maxval=40, dtype=tf.int32),
            "truncated": tf.random.truncated_normal([5, 5], stddev=0.1, dtype=tf.float64),
            "glorot": tf1.glorot_uniform_initializer()([3, 8]),
        }

    runs = [["normal", "uniform", "uniform_int", "truncated", "glorot"],
            ["truncated"], ["normal", "glorot"],
            ["normal", "uniform", "uniform_int", "truncated", "glorot"]]
    expected, ours = run_both(tmp_path, build, runs)
    assert_bit_identical(expected, ours)


def test_unseeded_ops_differ_between_sessions(tmp_path):
    """seed == seed2 == 0: a fresh random stream per session, as in TF."""
    def build():
        return {"x": raw.RandomStandardNormal(shape=tf.constant([64]), dtype=tf.float32)}

    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    _, first = run_both(tmp_path / "a", build, [["x"]])
    _, second = run_both(tmp_path / "b", build, [["x"]])
    a, b = first[0]["x"], second[0]["x"]
    assert a.tobytes() != b.tobytes()
    # Still standard normals.
    assert abs(float(np.mean(a))) < 1.0 and 0.3 < float(np.std(a)) < 3.0


def test_uniform_int_rejects_an_empty_range(tmp_path):
    with tf.Graph().as_default() as graph:
        raw.RandomUniformInt(shape=tf.constant([3]), minval=tf.constant(5),
                             maxval=tf.constant(5), seed=1, seed2=2, name="bad")
        path = str(tmp_path / "graph.pb")
        with open(path, "wb") as f:
            f.write(graph.as_graph_def().SerializeToString())
        with tf1.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                                   match="Need minval < maxval, got 5 >= 5"):
            sess.run("bad:0")
    proc = subprocess.run([_driver(), path, str(tmp_path / "out"), "bad:0"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "INVALID_ARGUMENT" in proc.stderr
    assert "Need minval < maxval, got 5 >= 5" in proc.stderr
