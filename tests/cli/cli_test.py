#!/usr/bin/env python3
"""End-to-end tests of the tfckpt command-line tool (Python 3 stdlib only).

Each run executes one case, named on the command line; CTest registers every
case as its own test (tests/cli/CMakeLists.txt):

  cli_test.py --cli build/bin/tfckpt --fixture build/bin/tfckpt_cli_fixture \
      --version 0.1.0 ls_text linear

The real TensorFlow checkpoints come from ../shared/testdata/tf-real. The
expected `ls` outputs live in tests/cli/expected/; after a deliberate change of
the output format, rewrite them with --update and review the diff by hand.
"""

import argparse
import base64
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# Real TF-written checkpoints (prefixes relative to the tf-real folder).
CHECKPOINTS = {
    "linear": "tf1.2-linear/smovetf.ckpt",
    "tutorial": "tf1.3-tutorial/my_test_model-1000",
    "savedmodel": "tf2.10-savedmodel/variables/variables",
    # Only the .index survives: its data file was too large to keep.
    "mnist": "tf1.14-mnist-cnn/my_test_model-1000",
}
WITH_DATA = ["linear", "tutorial", "savedmodel"]
DATA_SUFFIX = ".data-00000-of-00001"


class TestFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


class Context:
    def __init__(self, args, tmp):
        self.cli = args.cli
        self.fixture_tool = args.fixture
        self.version = args.version
        self.testdata = args.testdata
        self.expected = args.expected
        self.update = args.update
        self.tmp = tmp

    def prefix(self, key):
        return os.path.join(self.testdata, CHECKPOINTS[key])

    def run(self, args, expect_rc):
        proc = subprocess.run([self.cli] + args, capture_output=True,
                              timeout=120)
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        check(proc.returncode == expect_rc,
              f"tfckpt {' '.join(args)}: exit {proc.returncode}, expected "
              f"{expect_rc}\n--- stdout:\n{out[:4000]}\n--- stderr:\n{err}")
        return out, err

    def run_ok(self, args):
        out, err = self.run(args, 0)
        check(err == "", f"tfckpt {' '.join(args)}: unexpected stderr: {err}")
        return out

    def expect_file(self, name, actual):
        path = os.path.join(self.expected, name)
        if self.update:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(actual)
            print(f"wrote {path}")
            return
        with open(path, encoding="utf-8", newline="") as f:
            expected = f.read()
        check(actual == expected,
              f"output differs from {path}\n--- actual:\n{actual}"
              f"\n--- expected:\n{expected}")

    def make_fixture(self):
        prefix = os.path.join(self.tmp, "fixture", "ckpt")
        subprocess.run([self.fixture_tool, prefix], check=True, timeout=120)
        return prefix


def one_error_line(err, *needles):
    """The CLI's failure contract: one "tfckpt: " line naming the problem."""
    lines = err.splitlines()
    check(len(lines) == 1, f"expected one stderr line, got: {err!r}")
    check(lines[0].startswith("tfckpt: "), f"no 'tfckpt: ' prefix: {err!r}")
    for needle in needles:
        check(needle in lines[0], f"{needle!r} not named in: {err!r}")


def ls_json(ctx, prefix):
    entries = json.loads(ctx.run_ok(["ls", "--json", prefix]))
    check(isinstance(entries, list), "ls --json: not an array")
    return entries


def dump_json(ctx, prefix, name):
    """Parses `dump --json`, keeping each number's text (Num) so that the
    exact digits can be checked, not just the value."""
    out = ctx.run_ok(["dump", "--json", prefix, name])
    return json.loads(out, parse_float=Num, parse_int=Num)


class Num(str):
    """A JSON number, kept as the text the CLI printed."""

    def __repr__(self):
        return f"Num({str(self)})"


def same(a, b):
    """Equal JSON values of the same types: Num("1") differs from "1"."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def num_elements(shape):
    return math.prod(int(d) for d in shape)


# --- ls ----------------------------------------------------------------------

def case_ls_text(ctx, key):
    ctx.expect_file(f"ls_{key}.txt", ctx.run_ok(["ls", ctx.prefix(key)]))


def case_ls_json(ctx, key):
    prefix = ctx.prefix(key)
    out = ctx.run_ok(["ls", "--json", prefix])
    entries = json.loads(out)
    for e in entries:
        check(sorted(e) == ["dtype", "name", "shape"], f"bad keys: {e}")
        check(all(isinstance(d, int) for d in e["shape"]), f"bad shape: {e}")
    # The text listing shows the same tensors, in the same order.
    rows = ctx.run_ok(["ls", prefix]).splitlines()[1:]
    check(len(rows) == len(entries), "ls and ls --json disagree on the count")
    for e, row in zip(entries, rows):
        shape = "[" + ",".join(str(d) for d in e["shape"]) + "]"
        check(row.startswith(e["name"] + " ")
              and row.split()[-3:-1] == [e["dtype"], shape],
              f"ls row {row!r} disagrees with {e}")
    ctx.expect_file(f"ls_{key}.json", out)


# --- dump --------------------------------------------------------------------

def shortest_float32_digits(bits):
    """Fewest significant digits that read back as the float32 `bits`."""
    value = struct.unpack("<f", bits)[0]
    for digits in range(1, 10):
        if struct.pack("<f", float(f"{value:.{digits}g}")) == bits:
            return digits
    raise AssertionError("float32 needs at most 9 digits")


def significant_digits(text):
    mantissa = text.lstrip("-").split("e")[0].replace(".", "")
    return max(1, len(mantissa.strip("0")))


def case_dump_linear(ctx):
    """W's values, checked against the raw bytes of the data file."""
    prefix = ctx.prefix("linear")
    with open(prefix + DATA_SUFFIX, "rb") as f:
        data = f.read()
    check(len(data) == 84, "W should be the only tensor: 21 float32 values")
    doc = dump_json(ctx, prefix, "W")
    check(doc["name"] == "W" and doc["dtype"] == "float32"
          and doc["shape"] == ["21", "1"], f"bad header: {doc}")
    values = doc["values"]
    check(len(values) == 21, f"{len(values)} values, expected 21")
    for i, token in enumerate(values):
        bits = data[4 * i:4 * i + 4]
        check(isinstance(token, Num), f"value {i} is not a number: {token!r}")
        check(struct.pack("<f", float(token)) == bits,
              f"value {i}: {token} does not read back as {bits.hex()}")
        check(significant_digits(token) == shortest_float32_digits(bits),
              f"value {i}: {token} is not the shortest float32 repr")
    ctx.expect_file("dump_linear_W.txt",
                    ctx.run_ok(["dump", prefix, "W"]))


def case_dump_tutorial(ctx):
    doc = dump_json(ctx, ctx.prefix("tutorial"), "bias")
    check(same(doc, {"name": "bias", "dtype": "float32", "shape": [],
                     "values": [Num("2")]}), f"bias: {doc}")
    out = ctx.run_ok(["dump", ctx.prefix("tutorial"), "bias"])
    check(out == "bias: float32 []\n[] 2\n", f"text dump: {out!r}")


def case_dump_savedmodel(ctx):
    """Every tensor of a Keras SavedModel dumps as valid JSON."""
    prefix = ctx.prefix("savedmodel")
    for entry in ls_json(ctx, prefix):
        doc = dump_json(ctx, prefix, entry["name"])
        check(doc["name"] == entry["name"] and doc["dtype"] == entry["dtype"]
              and [int(d) for d in doc["shape"]] == entry["shape"],
              f"{entry['name']}: header {doc['name']} {doc['dtype']} "
              f"{doc['shape']} disagrees with ls")
        values = doc["values"]
        check(len(values) == num_elements(entry["shape"]),
              f"{entry['name']}: {len(values)} values")
        for v in values:
            if entry["dtype"] == "string":
                check(not isinstance(v, Num)
                      and (isinstance(v, str) or set(v) == {"base64"}),
                      f"{entry['name']}: bad string value {v!r}")
            elif entry["dtype"] == "bool":
                check(isinstance(v, bool), f"{entry['name']}: bad bool {v!r}")
            elif entry["dtype"].startswith("float"):
                check(isinstance(v, Num) or v in ("nan", "inf", "-inf"),
                      f"{entry['name']}: bad float {v!r}")
            else:
                check(isinstance(v, Num) and v.lstrip("-").isdigit(),
                      f"{entry['name']}: bad integer {v!r}")


def case_dump_fixture(ctx):
    """Every dtype's formatting, on edge values written by the fixture."""
    prefix = ctx.make_fixture()
    n = Num
    expected = {
        "float32": [n("0.1"), n("-0"), "nan", "inf", "-inf", n("1e-45"),
                    n("3.4028235e+38"), n("1e+20"), n("2")],
        "float64": [n("0.1"), n("1.7976931348623157e+308"), n("5e-324"),
                    n("-2.5"), "nan"],
        "float16": [n("1"), n("0.33325195"), "inf", "nan"],
        "bfloat16": [n("1"), n("-5"), n("0.100097656"), "-inf"],
        "complex64": [[n("1.5"), n("-0.1")], ["nan", "inf"]],
        "complex128": [[n("0.1"), n("2")]],
        "int8": [n("-128"), n("127")],
        "uint8": [n("0"), n("255")],
        "int16": [n("-32768"), n("32767")],
        "uint16": [n("0"), n("65535")],
        "int32": [n("-2147483648"), n("7")],
        "uint32": [n("4294967295")],
        "int64": [n("9223372036854775807"), n("-9223372036854775808"),
                  n("-1")],
        "uint64": [n("18446744073709551615"), n("0")],
        "bool": [True, False, True],
        "qint8": [n("-128"), n("127")],
        "quint8": [n("128"), n("127")],
        "qint16": [n("-32768"), n("32767")],
        "quint16": [n("32768"), n("32767")],
        "qint32": [n("-2147483648")],
        "float4_e2m1fn": [n(s) for s in "0 0.5 1 1.5 2 3 4 6".split()]
                         + [n("-" + s) for s in "0 0.5 1 1.5 2 3 4 6".split()],
        "int4": [n(str(i)) for i in list(range(8)) + list(range(-8, 0))],
        "uint4": [n(str(i)) for i in range(16)],
        "int2": [n("0"), n("1"), n("-2"), n("-1")],
        "uint2": [n("0"), n("1"), n("2"), n("3")],
        "string": ["plain", "quote\" backslash\\ newline\n", "h\u00e9llo",
                   {"base64": "/wD+"}, ""],
        "scalar": [n("42")],
        "empty": [],
        "partitioned": [n(str(i)) for i in range(12)],
    }
    # float8: all 256 patterns are stored; spot-check the OCP / ml_dtypes
    # definitions (zero, smallest subnormal, one, max, nan, -0, inf).
    float8 = {
        "float8_e4m3fn": {0x00: n("0"), 0x01: n("0.001953125"), 0x38: n("1"),
                          0x7E: n("448"), 0x7F: "nan", 0x80: n("-0"),
                          0xFE: n("-448"), 0xFF: "nan"},
        "float8_e5m2": {0x01: n("1.5258789e-05"), 0x3C: n("1"),
                        0x7B: n("57344"), 0x7C: "inf", 0x7D: "nan",
                        0x80: n("-0"), 0xFC: "-inf"},
        "float8_e4m3fnuz": {0x00: n("0"), 0x40: n("1"), 0x7F: n("240"),
                            0x80: "nan", 0xFF: n("-240")},
        "float8_e4m3b11fnuz": {0x58: n("1"), 0x7F: n("30"), 0x80: "nan"},
        "float8_e5m2fnuz": {0x40: n("1"), 0x7F: n("57344"), 0x80: "nan",
                            0x81: n("-7.6293945e-06")},
    }
    entries = ls_json(ctx, prefix)
    check(sorted(e["name"] for e in entries) == sorted(list(expected)
                                                       + list(float8)),
          f"fixture tensors: {[e['name'] for e in entries]}")
    for name, want in expected.items():
        values = dump_json(ctx, prefix, name)["values"]
        check(same(values, want), f"{name}: got {values!r}, expected {want!r}")
    for name, spots in float8.items():
        values = dump_json(ctx, prefix, name)["values"]
        check(len(values) == 256, f"{name}: {len(values)} values")
        for index, want in spots.items():
            got = values[index]
            check(same(got, want),
                  f"{name}[{index:#04x}]: got {got!r}, expected {want!r}")


def case_dump_text(ctx):
    """The human-readable form: header, then one indexed value per line."""
    prefix = ctx.make_fixture()
    out = ctx.run_ok(["dump", prefix, "partitioned"])
    want = "partitioned: float32 [4,3]\n" + "".join(
        f"[{i},{j}] {3 * i + j}\n" for i in range(4) for j in range(3))
    check(out == want, f"partitioned: {out!r}")
    out = ctx.run_ok(["dump", prefix, "string"])
    want = ('string: string [5]\n'
            '[0] "plain"\n'
            '[1] "quote\\" backslash\\\\ newline\\n"\n'
            '[2] "h\u00e9llo"\n'
            '[3] "\\xff\\x00\\xfe"\n'
            '[4] ""\n')
    check(out == want, f"string: {out!r}")
    out = ctx.run_ok(["dump", prefix, "complex64"])
    check(out == "complex64: complex64 [2]\n[0] (1.5,-0.1)\n[1] (nan,inf)\n",
          f"complex64: {out!r}")


# --- verify ------------------------------------------------------------------

def case_verify_ok(ctx, key):
    prefix = ctx.prefix(key)
    count = len(ls_json(ctx, prefix))
    out = ctx.run_ok(["verify", prefix])
    check(out == f"OK: {count} tensors verified\n", f"verify: {out!r}")


def case_verify_missing_data(ctx):
    """The mnist checkpoint lists fine but has no data file to verify."""
    prefix = ctx.prefix("mnist")
    check(not os.path.exists(prefix + DATA_SUFFIX), "data file is present")
    check(len(ls_json(ctx, prefix)) > 0, "ls found no tensors")
    out, err = ctx.run(["verify", prefix], 1)
    check(out == "", f"verify printed to stdout: {out!r}")
    lines = err.splitlines()
    check(lines and all(line.startswith("tfckpt: ") for line in lines),
          f"stderr: {err!r}")
    check(any("my_test_model-1000" + DATA_SUFFIX in line for line in lines),
          f"missing data file not named: {err!r}")


def copy_checkpoint(ctx, key, name):
    """Copies the files of checkpoint `key` under tmp; returns the prefix."""
    prefix = os.path.join(ctx.tmp, name)
    for suffix in (".index", DATA_SUFFIX):
        shutil.copyfile(ctx.prefix(key) + suffix, prefix + suffix)
    return prefix


def case_verify_corrupt(ctx):
    prefix = copy_checkpoint(ctx, "linear", "corrupt")
    with open(prefix + DATA_SUFFIX, "r+b") as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0x01
        f.seek(0)
        f.write(data)
    out, err = ctx.run(["verify", prefix], 1)
    check(out == "", f"verify printed to stdout: {out!r}")
    lines = err.splitlines()
    check(lines and all(line.startswith("tfckpt: ") for line in lines),
          f"stderr: {err!r}")
    check(any("W" in line for line in lines), f"tensor W not named: {err!r}")
    # Reading the damaged tensor fails the same way; the index is intact.
    _, err = ctx.run(["dump", prefix, "W"], 1)
    one_error_line(err, "W")
    ctx.run_ok(["ls", prefix])
    _, err = ctx.run(["cp", prefix, os.path.join(ctx.tmp, "out")], 1)
    one_error_line(err, "W")


# --- cp ----------------------------------------------------------------------

def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def check_copy_identical(ctx, src):
    dst = os.path.join(ctx.tmp, "copy", "ckpt")
    out = ctx.run_ok(["cp", src, dst])
    check(out == "", f"cp printed: {out!r}")
    for suffix in (".index", DATA_SUFFIX):
        check(same_bytes(src + suffix, dst + suffix),
              f"{dst}{suffix} differs from {src}{suffix}")
    ctx.run_ok(["verify", dst])


def case_cp(ctx, key):
    check_copy_identical(ctx, ctx.prefix(key))


def case_cp_fixture(ctx):
    """Slices stored out of key order come back in data-file order."""
    check_copy_identical(ctx, ctx.make_fixture())


def case_partitioned(ctx):
    prefix = ctx.make_fixture()
    rows = [r for r in ctx.run_ok(["ls", prefix]).splitlines()
            if "partitioned" in r]
    check(len(rows) == 1 and rows[0].split() == ["partitioned", "float32",
                                                 "[4,3]", "48"],
          f"partitioned tensor rows: {rows}")
    entries = ls_json(ctx, prefix)
    count = len(entries)
    check(ctx.run_ok(["verify", prefix]) == f"OK: {count} tensors verified\n",
          "verify of the fixture")


# --- errors and usage --------------------------------------------------------

def case_missing_prefix(ctx):
    missing = os.path.join(ctx.tmp, "no_such_checkpoint")
    for args in (["ls", missing], ["ls", "--json", missing],
                 ["dump", missing, "W"], ["verify", missing],
                 ["cp", missing, os.path.join(ctx.tmp, "out")]):
        out, err = ctx.run(args, 1)
        check(out == "", f"{args}: stdout {out!r}")
        one_error_line(err, missing + ".index")


def case_unknown_tensor(ctx):
    for args in (["dump", ctx.prefix("linear"), "NoSuchTensor"],
                 ["dump", "--json", ctx.prefix("linear"), "NoSuchTensor"]):
        out, err = ctx.run(args, 1)
        check(out == "", f"{args}: stdout {out!r}")
        one_error_line(err, "NoSuchTensor")


def case_usage_errors(ctx):
    prefix = ctx.prefix("linear")
    for args in ([], ["frobnicate"], ["ls"], ["ls", prefix, "extra"],
                 ["ls", "--bogus", prefix], ["dump", prefix],
                 ["verify"], ["cp", prefix], ["--no-such-flag"]):
        out, err = ctx.run(args, 2)
        check(out == "", f"{args}: stdout {out!r}")
        check(err != "", f"{args}: no message on stderr")


def case_help(ctx):
    for args in (["--help"], ["ls", "--help"], ["dump", "--help"],
                 ["verify", "--help"], ["cp", "--help"]):
        out = ctx.run_ok(args)
        check("Usage" in out, f"{args}: no usage text: {out!r}")
        if len(args) == 2:
            check(args[0] in out, f"{args}: help does not name the command")


def case_version(ctx):
    out = ctx.run_ok(["--version"])
    check(out == ctx.version + "\n", f"--version: {out!r}")


def case_latest(ctx):
    """`latest DIR` reads the state file; every command takes a directory."""
    linear_dir = os.path.dirname(ctx.prefix("linear"))
    out = ctx.run_ok(["latest", linear_dir])
    check(out == ctx.prefix("linear") + "\n", f"latest printed {out!r}")
    out, err = ctx.run(["ls", linear_dir], 0)
    check(out == ctx.run_ok(["ls", ctx.prefix("linear")]), "ls DIR differs from ls PREFIX")
    check(err == f"tfckpt: reading {ctx.prefix('linear')} (the latest checkpoint in "
          f"{linear_dir}/checkpoint)\n", f"ls DIR: stderr {err!r}")
    ctx.run(["verify", linear_dir], 0)
    # A state file naming a checkpoint outside its directory: followed, as
    # TensorFlow does, but said; refused with --inside-only.
    elsewhere = os.path.join(ctx.tmp, "elsewhere")
    os.mkdir(elsewhere)
    with open(os.path.join(elsewhere, "checkpoint"), "w") as f:
        f.write(f'model_checkpoint_path: "{ctx.prefix("linear")}"\n')
    out, err = ctx.run(["latest", elsewhere], 0)
    check(out == ctx.prefix("linear") + "\n", f"latest printed {out!r}")
    check(f"outside {elsewhere}" in err, f"latest: no note on stderr: {err!r}")
    _, err = ctx.run(["ls", elsewhere], 0)
    check(f"outside {elsewhere}" in err, f"ls: no note on stderr: {err!r}")
    _, err = ctx.run(["latest", "--inside-only", elsewhere], 1)
    one_error_line(err, "PERMISSION_DENIED", ctx.prefix("linear"))
    empty = os.path.join(ctx.tmp, "empty")
    os.mkdir(empty)
    _, err = ctx.run(["latest", empty], 1)
    one_error_line(err, "no checkpoint", empty)
    _, err = ctx.run(["ls", empty], 1)
    one_error_line(err, "no checkpoint", empty)
    with open(os.path.join(empty, "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "gone-1"\n')
    _, err = ctx.run(["latest", empty], 1)
    one_error_line(err, "no checkpoint", empty)
    with open(os.path.join(empty, "checkpoint"), "w") as f:
        f.write("garbage")
    _, err = ctx.run(["latest", empty], 1)
    one_error_line(err, "DATA_LOSS", "checkpoint")


CASES = {
    "latest": case_latest,
    "ls_text": case_ls_text,
    "ls_json": case_ls_json,
    "dump_linear": case_dump_linear,
    "dump_tutorial": case_dump_tutorial,
    "dump_savedmodel": case_dump_savedmodel,
    "dump_fixture": case_dump_fixture,
    "dump_text": case_dump_text,
    "verify_ok": case_verify_ok,
    "verify_missing_data": case_verify_missing_data,
    "verify_corrupt": case_verify_corrupt,
    "cp": case_cp,
    "cp_fixture": case_cp_fixture,
    "partitioned": case_partitioned,
    "missing_prefix": case_missing_prefix,
    "unknown_tensor": case_unknown_tensor,
    "usage_errors": case_usage_errors,
    "help": case_help,
    "version": case_version,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True, help="the tfckpt binary")
    parser.add_argument("--fixture", required=True,
                        help="the tfckpt_cli_fixture binary")
    parser.add_argument("--version", required=True,
                        help="the version --version must print")
    parser.add_argument("--testdata", default=os.path.join(
        HERE, "..", "..", "..", "shared", "testdata", "tf-real"))
    parser.add_argument("--expected", default=os.path.join(HERE, "expected"))
    parser.add_argument("--update", action="store_true",
                        help="rewrite the expected files instead of comparing")
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("checkpoint", nargs="?", choices=sorted(CHECKPOINTS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tfckpt_cli_") as tmp:
        ctx = Context(args, tmp)
        extra = [args.checkpoint] if args.checkpoint else []
        try:
            CASES[args.case](ctx, *extra)
        except TestFailure as e:
            print(f"FAIL {args.case} {' '.join(extra)}: {e}", file=sys.stderr)
            return 1
    print(f"PASS {args.case} {' '.join(extra)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
