"""One save or restore measurement of one library, in its own process.

bench/compare.py runs, for example,
    python bench/peers.py tf-raw restore SPEC PATH --runs 5
and reads one JSON line from stdout:
    {"times": [seconds...], "bytes": N, "base_rss": B, "peak_rss": P}
Each measurement starts with one untimed warm-up run. base_rss is the
resident memory before the first run (interpreter,
library and, for a save, the workload's own tensors); peak_rss the peak of
the process. For a save the workload is generated (untimed) from SPEC, the
same spec the tfckpt driver reads; a restore reads what the save wrote.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

# dtype name in the spec -> numpy dtype (bfloat16 and strings are special).
NUMPY_DTYPES = {
    "float32": np.float32, "float16": np.float16, "float64": np.float64,
    "int64": np.int64, "int32": np.int32, "int8": np.int8, "uint8": np.uint8,
    "bool": np.bool_,
}


def read_spec(path):
    specs = []
    with open(path) as f:
        for line in f:
            name, dtype, dims = line.split()
            shape = () if dims == "-" else tuple(int(d) for d in dims.split(","))
            specs.append((name, dtype, shape))
    return specs


def random_array(dtype, shape, seed):
    """Random bytes viewed as `dtype` (strings: 1 to 64 random letters)."""
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape, dtype=np.int64))
    if dtype == "string":
        lengths = rng.integers(1, 65, size=count)
        letters = rng.integers(97, 123, size=int(lengths.sum()), dtype=np.uint8).tobytes()
        values, at = [], 0
        for n in lengths:
            values.append(letters[at:at + n])
            at += n
        return np.array(values, dtype=object).reshape(shape)
    if dtype == "bfloat16":
        bits = rng.integers(0, 1 << 16, size=count, dtype=np.uint16)
        return ("bfloat16", bits.reshape(shape))  # each library views the bits itself
    np_dtype = np.dtype(NUMPY_DTYPES[dtype])
    raw = rng.integers(0, 256, size=count * np_dtype.itemsize, dtype=np.uint8)
    if dtype == "bool":
        raw &= 1
    return raw.view(np_dtype).reshape(shape)


def payload_bytes(value):
    if isinstance(value, tuple):
        return value[1].nbytes
    if value.dtype == object:
        return sum(len(v) for v in value.flat)
    return value.nbytes


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def time_runs(runs, fn):
    """Seconds of each of `runs` calls of fn, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# --- TensorFlow --------------------------------------------------------------

def tf_value(tf, value):
    if isinstance(value, tuple):
        return tf.constant(value[1].view(tf.bfloat16.as_numpy_dtype))
    return tf.constant(value)


def tf_raw(op, arrays, path, runs, spec):
    import tensorflow as tf
    names = [name for name, _, _ in spec]
    slices = [""] * len(names)
    if op == "save":
        tensors = [tf_value(tf, arrays[name]) for name in names]
        base = rss_bytes()
        times = time_runs(runs, lambda: tf.raw_ops.SaveV2(
            prefix=path, tensor_names=names, shape_and_slices=slices, tensors=tensors))
        return times, base
    dtypes = [tf.string if d == "string" else tf.as_dtype(d) for _, d, _ in spec]
    base = rss_bytes()

    def restore():
        out = tf.raw_ops.RestoreV2(prefix=path, tensor_names=names,
                                   shape_and_slices=slices, dtypes=dtypes)
        assert len(out) == len(names)
    return time_runs(runs, restore), base


def tf_saver(op, arrays, path, runs, spec):
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        feeds, variables = {}, []
        for name, dtype, shape in spec:
            tf_dtype = tf.string if dtype == "string" else tf.as_dtype(dtype)
            placeholder = tf.compat.v1.placeholder(tf_dtype, shape=shape)
            variables.append(tf.compat.v1.Variable(placeholder, name=name))
            if op == "save":
                value = arrays[name]
                feeds[placeholder] = (value[1].view(tf.bfloat16.as_numpy_dtype)
                                      if isinstance(value, tuple) else value)
        saver = tf.compat.v1.train.Saver(variables, write_version=tf.compat.v1.train.SaverDef.V2)
        session = tf.compat.v1.Session(graph=graph)
        if op == "save":
            session.run([v.initializer for v in variables], feed_dict=feeds)
            feeds.clear()
            base = rss_bytes()
            times = time_runs(runs, lambda: saver.save(session, path, write_meta_graph=False,
                                                       write_state=False))
            return times, base
        base = rss_bytes()
        return time_runs(runs, lambda: saver.restore(session, path)), base


# --- safetensors (numpy API) ---------------------------------------------------

def safetensors_numpy(op, arrays, path, runs, spec):
    from safetensors.numpy import load_file, save_file
    if op == "save":
        base = rss_bytes()
        return time_runs(runs, lambda: save_file(arrays, path)), base
    base = rss_bytes()

    def restore():
        assert len(load_file(path)) == len(spec)
    return time_runs(runs, restore), base


# --- PyTorch -------------------------------------------------------------------

def torch_file(op, arrays, path, runs, spec, mmap=False):
    import torch
    if op == "save":
        tensors = {}
        for name, value in arrays.items():
            if isinstance(value, tuple):
                tensors[name] = torch.from_numpy(value[1].view(np.int16)).view(torch.bfloat16)
            else:
                tensors[name] = torch.from_numpy(value)
        base = rss_bytes()
        return time_runs(runs, lambda: torch.save(tensors, path)), base
    base = rss_bytes()

    def restore():
        assert len(torch.load(path, weights_only=True, mmap=mmap)) == len(spec)
    return time_runs(runs, restore), base


IMPLS = {
    "tf-raw": tf_raw,
    "tf-saver": tf_saver,
    "safetensors": safetensors_numpy,
    "torch": torch_file,
    "torch-mmap": lambda *args: torch_file(*args, mmap=True),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=sorted(IMPLS))
    parser.add_argument("op", choices=["save", "restore"])
    parser.add_argument("spec")
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    spec = read_spec(args.spec)
    # A restore reads what the save wrote; compare.py takes the byte count
    # from the save.
    arrays = {}
    total = 0
    if args.op == "save":
        for i, (name, dtype, shape) in enumerate(spec):
            arrays[name] = random_array(dtype, shape, i)
            total += payload_bytes(arrays[name])
    times, base = IMPLS[args.impl](args.op, arrays, args.path, args.runs, spec)
    json.dump({"times": times, "bytes": total, "base_rss": base,
               "peak_rss": peak_rss_bytes()}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
