"""Byte identity with TensorFlow's writer.

Proves that tfckpt's BundleWriter, given the same tensors in the same order
as TensorFlow's SaveV2 kernel, writes a byte-identical .index and .data file:
every dtype with edge values, strings, scalars, empty tensors, partitioned
slices (explicit and full extents, several dtypes, names that need
OrderedCode escapes, a slice covering the whole tensor), an index spanning
several 256 KiB blocks, and entries whose key or value alone reaches 512 KiB
(TF's flush-before-large-entry rule). Also proves that `tfckpt cp` of a
TF-written single-shard checkpoint (TF1 Saver, tf.train.Checkpoint, SaveV2)
reproduces its files byte for byte.
"""

import os

import numpy as np
import pytest
import tensorflow as tf

from conftest import (Slice, assert_files_identical, assert_identical,
                      data_files, make_array, save_with_checkpoint,
                      save_with_saver, tf_constant, tf_read_all)

BLOCK_SIZE = 262144  # TF's index block size


def save_v2(prefix, entries):
    """TF's SaveV2 kernel; entries as for InteropTool.write."""
    names, specs, tensors = [], [], []
    for name, value, *part in entries:
        names.append(name if isinstance(name, bytes) else name.encode())
        specs.append(part[0].save_v2_spec() if part else "")
        tensors.append(tf_constant(value))
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=tf.constant(names, tf.string),
                      shape_and_slices=tf.constant(specs, tf.string),
                      tensors=tensors)


def assert_same_bundle(ours, theirs):
    """Same data file names and every file byte-identical."""
    suffixes = [f[len(os.path.basename(theirs)):] for f in data_files(theirs)]
    assert [f[len(os.path.basename(ours)):] for f in data_files(ours)] == \
        suffixes
    for suffix in [".index", *suffixes]:
        assert_files_identical(ours + suffix, theirs + suffix)


def sliced(name, full, specs):
    """Entries storing `full` as the given slices, in that order."""
    return [(name, part.cut(full), part)
            for part in (Slice(full.shape, spec) for spec in specs)]


def sliced_entries():
    ramp = np.arange(60)
    return [
        *sliced("p/float32", make_array("float32", ramp[:40] * 0.5, (10, 4)),
                ["5,5:0,4", "0,5:0,4"]),
        *sliced("p/full_extents", make_array("int32", ramp[:40], (10, 4)),
                ["0,5:-", "5,5:-"]),
        *sliced("p/float16", make_array("float16", ramp[:24] / 3, (2, 3, 4)),
                ["0,1:-:-", "1,1:0,2:1,3", "1,1:0,2:0,1", "1,1:2,1:-"]),
        *sliced("p/string",
                make_array("string", [b"s%d" % i * i for i in range(6)]),
                ["0,2", "2,4"]),
        *sliced("p/uint64",
                make_array("uint64", [2 ** 64 - 1 - i for i in range(12)],
                           (3, 4)),
                ["-:0,1", "-:1,3"]),
        # Names with bytes that OrderedCode escapes (0x00, 0xff).
        *sliced(b"nul\x00name", make_array("int8", ramp[:6], (6,)),
                ["3,3", "0,3"]),
        *sliced(b"\xff\xfehigh", make_array("bool", ramp[:4] % 2 == 1, (4,)),
                ["0,1", "1,3"]),
        # Starts and lengths of 64 and more take several OrderedCode bytes.
        *sliced("p/wide", make_array("uint8", np.arange(300) % 256, (300,)),
                ["0,100", "100,200"]),
        # Covering the whole tensor makes it an ordinary entry.
        *sliced("p/whole", make_array("complex64", ramp[:12] * 1j, (3, 4)),
                ["0,3:0,4"]),
    ]


@pytest.fixture(scope="module")
def save_v2_entries(sample_arrays, large_array):
    entries = list(sample_arrays.items())
    entries += sliced_entries()
    # An empty tensor added before a non-empty one with a smaller name: both
    # start at the same offset.
    entries += [("zz_empty", make_array("float64", [], (0, 2))),
                ("aa_after_empty", make_array("int16", [1, -2, 3]))]
    entries.append(("large", large_array))
    return entries


def test_save_v2_every_dtype_and_slices(tool, tmp_path, save_v2_entries):
    theirs, ours = str(tmp_path / "tf/ckpt"), str(tmp_path / "ours/ckpt")
    save_v2(theirs, save_v2_entries)
    tool.write(ours, save_v2_entries)
    assert_same_bundle(ours, theirs)


def huge_entry(num_slices):
    """A partitioned tensor whose index entry lists `num_slices` slices of
    one element each, at coordinates near 2**31: 22 bytes of
    TensorSliceProto per slice."""
    full_shape = (2 ** 31, 2 ** 31)
    return [("huge_entry", make_array("int8", [[i % 100]]),
             Slice(full_shape, f"{2 ** 31 - 1 - 7 * i},1:{2 ** 30 + 5 * i},1"))
            for i in range(num_slices)]


def test_save_v2_large_index(tool, tmp_path):
    # 4000 keys of 200+ bytes: an index of several 256 KiB blocks.
    entries = [(f"long/name/{i:05d}/" + "n" * 200, make_array("int32", i))
               for i in range(4000)]
    # TF flushes the block before an entry whose key + value reaches
    # 512 KiB: a key of 600 000 bytes, and a value of 25 000 * 22 bytes.
    entries.append((b"m" + b"q" * 600_000, make_array("float32", [1.5])))
    entries += huge_entry(25_000)
    theirs, ours = str(tmp_path / "tf/ckpt"), str(tmp_path / "ours/ckpt")
    save_v2(theirs, entries)
    assert os.path.getsize(theirs + ".index") > 4 * BLOCK_SIZE
    tool.write(ours, entries)
    assert_same_bundle(ours, theirs)


@pytest.fixture(params=["tf1_saver", "tf2_checkpoint", "save_v2"])
def tf_checkpoint(request, tmp_path, sample_arrays, save_v2_entries):
    """A single-shard checkpoint written by TensorFlow."""
    if request.param == "tf1_saver":
        return save_with_saver(tmp_path, sample_arrays)
    if request.param == "tf2_checkpoint":
        return save_with_checkpoint(tmp_path, sample_arrays)
    prefix = str(tmp_path / "save_v2")
    save_v2(prefix, save_v2_entries)
    return prefix


def test_cli_cp_is_byte_identical(cli, tmp_path, tf_checkpoint):
    assert len(data_files(tf_checkpoint)) == 1
    copy = str(tmp_path / "copy" / "ckpt")
    cli.run("cp", tf_checkpoint, copy)
    assert_same_bundle(copy, tf_checkpoint)


def test_merge_v2_checkpoints_renames_shards_like_tf(tool, tmp_path):
    """MergeBundles against TF's MergeV2Checkpoints on the same two SaveV2
    bundles (a partitioned tensor's slices spread over both): each source's
    data file is renamed, not copied, to a shard of the merged bundle, the
    sources' indexes are deleted, and every merged file is byte-identical."""
    full = make_array("float32", np.arange(40) * 0.25, (10, 4))
    shards = [
        [("a", make_array("int32", [1, 2, 3])), *sliced("p", full, ["0,5:-"]),
         ("z", make_array("string", [b"x", b"yy"]))],
        [("b", make_array("float64", [0.5])), *sliced("p", full, ["5,5:-"]),
         ("c", make_array("int8", [7] * 11))],
    ]
    merged = {}
    for side, write in (("tf", save_v2), ("ours", tool.write)):
        temp_dir = tmp_path / side / "tmp"
        temp_dir.mkdir(parents=True)
        sources = [str(temp_dir / f"part-{i:05d}-of-{len(shards):05d}")
                   for i in range(len(shards))]
        for source, entries in zip(sources, shards):
            write(source, entries)
        inodes = [os.stat(source + ".data-00000-of-00001").st_ino
                  for source in sources]
        prefix = str(tmp_path / side / "model")
        if side == "tf":
            tf.raw_ops.MergeV2Checkpoints(
                checkpoint_prefixes=tf.constant(sources, tf.string),
                destination_prefix=prefix, delete_old_dirs=False)
        else:
            tool.merge(prefix, sources)
        assert data_files(prefix) == [f"model.data-{i:05d}-of-{len(shards):05d}"
                                      for i in range(len(shards))]
        assert [os.stat(os.path.join(tmp_path / side, f)).st_ino
                for f in data_files(prefix)] == inodes
        assert os.listdir(temp_dir) == []
        merged[side] = prefix
    assert_same_bundle(merged["ours"], merged["tf"])
    ours, num_shards = tool.read(merged["ours"])
    assert num_shards == len(shards)
    theirs = tf_read_all(merged["tf"])
    assert sorted(ours) == sorted(theirs)
    for name, value in theirs.items():
        assert_identical(ours[name].value, value, name)
