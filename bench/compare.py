"""Save and restore speed of tfckpt against TensorFlow, safetensors and PyTorch.

Run it with `make bench` (which builds the release tree and the bench venv
first), or directly:
    .venv/bin/python bench/compare.py [--runs 5] [--workloads A,B,C,D] [--quick]

Every measurement runs in a process of its own (so peak RSS means something),
repeats --runs times and reports the median. The workloads:
  A  ~1 GiB in 199 float32 tensors shaped like BERT-base (hidden 1280)
  B  20,000 small float32 tensors
  C  one 4 GiB float32 tensor
  D  mixed dtypes: float32, float16, bfloat16, int64, int8, bool, strings
The physical limits are measured alongside: memcpy of the same bytes, and
reading the tfckpt data file through the page cache. The table goes to
stdout and, with the machine, versions, load and target checks, to
docs/performance.md; bench/analysis.md (hand-written: profiles and reasons
for missed targets) is appended to it.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers.py")
MiB = 1 << 20
GiB = 1 << 30

# Peers, in table order: (name, python to run it with, dtypes it cannot store).
TF_PEERS = [("tf-raw", "tf", set()), ("tf-saver", "tf", set())]
OTHER_PEERS = [
    ("safetensors", "tf", {"bfloat16", "string"}),  # numpy API: no bfloat16, no strings
    ("torch", "torch", {"string"}),
    ("torch-mmap", "torch", {"string"}),
]
LABELS = {
    "tfckpt": "tfckpt (page cache)",
    "tfckpt-durable": "tfckpt (fsync)",
    "tfckpt-2shards": "tfckpt (2 data files in parallel)",
    "tfckpt-1thread": "tfckpt (1 thread)",
    "tfckpt-mapped": "tfckpt MapTensors (mmap, CRC-checked)",
    "tf-raw": "TF SaveV2/RestoreV2",
    "tf-saver": "TF v1 Saver",
    "safetensors": "safetensors save_file/load_file",
    "torch": "torch.save/load",
    "torch-mmap": "torch.load(mmap=True), lazy",
    "memcpy": "limit: memcpy, 1 thread",
    "memcpy-2": "limit: memcpy, 2 threads",
    "read": "limit: page-cache read, 1 thread",
    "read-2": "limit: page-cache read, 2 threads",
}


# --- workloads -------------------------------------------------------------------

def bert_like(hidden, layers, vocab=30522):
    """BERT-base's 199 tensors, with the hidden size scaled to reach ~1 GiB."""
    spec = [("bert/embeddings/word_embeddings", "float32", (vocab, hidden)),
            ("bert/embeddings/position_embeddings", "float32", (512, hidden)),
            ("bert/embeddings/token_type_embeddings", "float32", (2, hidden)),
            ("bert/embeddings/LayerNorm/gamma", "float32", (hidden,)),
            ("bert/embeddings/LayerNorm/beta", "float32", (hidden,))]
    for i in range(layers):
        layer = f"bert/encoder/layer_{i}"
        for part in ("query", "key", "value"):
            spec.append((f"{layer}/attention/self/{part}/kernel", "float32", (hidden, hidden)))
            spec.append((f"{layer}/attention/self/{part}/bias", "float32", (hidden,)))
        spec += [(f"{layer}/attention/output/dense/kernel", "float32", (hidden, hidden)),
                 (f"{layer}/attention/output/dense/bias", "float32", (hidden,)),
                 (f"{layer}/attention/output/LayerNorm/gamma", "float32", (hidden,)),
                 (f"{layer}/attention/output/LayerNorm/beta", "float32", (hidden,)),
                 (f"{layer}/intermediate/dense/kernel", "float32", (hidden, 4 * hidden)),
                 (f"{layer}/intermediate/dense/bias", "float32", (4 * hidden,)),
                 (f"{layer}/output/dense/kernel", "float32", (4 * hidden, hidden)),
                 (f"{layer}/output/dense/bias", "float32", (hidden,)),
                 (f"{layer}/output/LayerNorm/gamma", "float32", (hidden,)),
                 (f"{layer}/output/LayerNorm/beta", "float32", (hidden,))]
    spec += [("bert/pooler/dense/kernel", "float32", (hidden, hidden)),
             ("bert/pooler/dense/bias", "float32", (hidden,))]
    return spec


def small_tensors(count):
    sizes = (16, 64, 256, 1024)
    return [(f"small/t{i:05d}", "float32", (sizes[i % len(sizes)],)) for i in range(count)]


def mixed(scale):
    spec = []
    for i in range(8):
        spec += [(f"mixed/f32_{i}", "float32", (1024 // scale, 1024)),
                 (f"mixed/f16_{i}", "float16", (2048 // scale, 1024)),
                 (f"mixed/bf16_{i}", "bfloat16", (2048 // scale, 1024))]
    for i in range(4):
        spec += [(f"mixed/i64_{i}", "int64", ((1 << 20) // scale,)),
                 (f"mixed/i8_{i}", "int8", (4096 // scale, 1024))]
    spec += [("mixed/mask", "bool", ((1 << 20) // scale,)),
             ("mixed/step", "int64", ()),
             ("mixed/vocab", "string", (100000 // scale,)),
             ("mixed/labels", "string", (50000 // scale,))]
    return spec


def workloads(quick):
    if quick:  # tiny, for checking the script itself
        return {"A": bert_like(hidden=64, layers=2, vocab=1000), "B": small_tensors(200),
                "C": [("huge/kernel", "float32", (4096, 1024))], "D": mixed(64)}
    return {"A": bert_like(hidden=1280, layers=12), "B": small_tensors(20000),
            "C": [("huge/kernel", "float32", (32768, 32768))], "D": mixed(1)}


def write_spec(spec, path):
    with open(path, "w") as f:
        for name, dtype, shape in spec:
            f.write(f"{name} {dtype} {','.join(map(str, shape)) if shape else '-'}\n")


# --- running measurements --------------------------------------------------------

def run_json(cmd, timeout=1800):
    """The JSON line a measurement prints, or {"error": why}."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail[:200]}"}
    result = json.loads(lines[-1])
    result["median"] = statistics.median(result["times"])
    return result


def remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


def measure_workload(key, spec, args, pythons):
    """{impl: {"save": result, "restore": result, ...}} for one workload."""
    work = os.path.join(args.work_dir, key)
    remove(work)
    os.makedirs(work)
    spec_path = os.path.join(work, "spec.txt")
    write_spec(spec, spec_path)
    runs = ["--runs", str(args.runs)]
    results = {}

    def log(impl, op, result):
        shown = result.get("error") or f"{result['median']:.4f} s"
        print(f"  {key} {impl:15s} {op:8s} {shown}", file=sys.stderr, flush=True)
        results.setdefault(impl, {})[op] = result

    def skipped(impl):
        return f"{key}:{impl}" in args.skip

    driver = args.driver
    prefix = os.path.join(work, "tfckpt", "model")
    log("tfckpt", "save", run_json([driver, "save", spec_path, prefix] + runs))
    log("tfckpt", "restore", run_json([driver, "restore", prefix] + runs))
    if skipped("tfckpt-2shards"):
        results["tfckpt-2shards"] = {"skip": "skipped (--skip, time budget)"}
    else:
        sharded = os.path.join(work, "sharded", "model")
        log("tfckpt-2shards", "save",
            run_json([driver, "save", spec_path, sharded, "--shards", "2"] + runs))
        remove(os.path.join(work, "sharded"))
    if skipped("tfckpt-1thread"):
        results["tfckpt-1thread"] = {"skip": "skipped (--skip, time budget)"}
    else:
        log("tfckpt-1thread", "restore",
            run_json([driver, "restore", prefix, "--threads", "1"] + runs))
    log("tfckpt-mapped", "restore", run_json([driver, "restore", prefix, "--map"] + runs))
    log("tfckpt", "open", run_json([driver, "open", prefix] + runs))
    numeric_bytes = results["tfckpt"]["save"].get("bytes", 0)
    data_file = prefix + ".data-00000-of-00001"
    for threads, suffix in ((1, ""), (2, "-2")):
        log("memcpy" + suffix, "restore",
            run_json([driver, "memcpy", str(numeric_bytes), "--threads", str(threads)] + runs))
        log("read" + suffix, "restore",
            run_json([driver, "readfiles", data_file, "--threads", str(threads)] + runs))
    remove(os.path.join(work, "tfckpt"))
    durable = os.path.join(work, "durable", "model")
    if skipped("tfckpt-durable"):
        results["tfckpt-durable"] = {"skip": "skipped (--skip, time budget)"}
    else:
        log("tfckpt-durable", "save",
            run_json([driver, "save", spec_path, durable, "--sync"] + runs))
        remove(os.path.join(work, "durable"))

    dtypes = {d for _, d, _ in spec}
    for impl, python_kind, unsupported in TF_PEERS + OTHER_PEERS:
        if skipped(impl):
            results[impl] = {"skip": "skipped (--skip, time budget)"}
            continue
        if dtypes & unsupported:
            results[impl] = {"skip": "cannot store " + ", ".join(sorted(dtypes & unsupported))}
            continue
        python = pythons.get(python_kind)
        if python is None:
            results[impl] = {"skip": pythons["why_no_" + python_kind]}
            continue
        # torch-mmap restores what torch saved.
        saver = "torch" if impl == "torch-mmap" else impl
        path = os.path.join(work, saver, "model")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if impl != "torch-mmap":
            log(impl, "save", run_json([python, PEERS, impl, "save", spec_path, path] + runs))
        log(impl, "restore", run_json([python, PEERS, impl, "restore", spec_path, path] + runs))
        if impl in ("torch-mmap", "tf-raw", "tf-saver", "safetensors"):
            remove(os.path.dirname(path))
    remove(work)
    return results


def find_pythons(args):
    pythons = {"tf": args.python}
    if os.path.exists(args.torch_python):
        probe = subprocess.run([args.torch_python, "-c", "import torch, numpy"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            pythons["torch"] = args.torch_python
        else:
            pythons["why_no_torch"] = "torch does not import: " + \
                (probe.stderr.strip().splitlines() or ["?"])[-1][:120]
    else:
        pythons["why_no_torch"] = f"torch not installed ({args.torch_python} missing)"
    return pythons


def versions(pythons):
    out = {"tfckpt": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True).stdout.strip() or "?"}
    probe = ("import tensorflow as tf, numpy, safetensors;"
             "print(tf.__version__, numpy.__version__, safetensors.__version__)")
    tf_v, np_v, st_v = subprocess.run([pythons["tf"], "-c", probe], capture_output=True,
                                      text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
                                      ).stdout.split()
    out.update({"TensorFlow": tf_v, "numpy": np_v, "safetensors": st_v})
    if "torch" in pythons:
        out["PyTorch"] = subprocess.run([pythons["torch"], "-c",
                                         "import torch; print(torch.__version__)"],
                                        capture_output=True, text=True).stdout.strip()
    out["compiler"] = subprocess.run(["c++", "--version"], capture_output=True,
                                     text=True).stdout.splitlines()[0]
    return out


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return (f"{model}, {os.cpu_count()} logical CPUs, {mem_kib / (1 << 20):.0f} GiB RAM, "
            f"Linux {platform.release()}")


def run_micro(args):
    if not args.micro_bench or not os.path.exists(args.micro_bench):
        return {}
    done = subprocess.run([args.micro_bench, "--benchmark_format=json",
                           "--benchmark_filter=" + args.micro_filter],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-200:]}
    return {b["name"]: b for b in json.loads(done.stdout)["benchmarks"]}


# --- reporting -------------------------------------------------------------------

def gbps(nbytes, seconds):
    return nbytes / seconds / 1e9 if seconds else 0.0


def cell(result, key):
    if result is None:
        return "-"
    if "error" in result:
        return "failed"
    return f"{result[key]:.3f}"


def table(key, spec_bytes, results):
    """Markdown table of one workload's results."""
    lines = [f"| {key}: library | save s | save GB/s | restore s | restore GB/s | "
             "tfckpt restore speed-up | tfckpt save speed-up | restore peak RSS MiB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    ours = results.get("tfckpt", {})
    our_save = ours.get("save", {}).get("median")
    our_restore = ours.get("restore", {}).get("median")
    for impl, label in LABELS.items():
        r = results.get(impl)
        if r is None:
            continue
        if "skip" in r:
            lines.append(f"| {label} | n/a: {r['skip']} | | | | | | |")
            continue
        save, restore = r.get("save"), r.get("restore")
        nbytes = (save or {}).get("bytes") or spec_bytes
        row = [label]
        for result in (save, restore):
            if result is None:
                row += ["-", "-"]
            elif "error" in result:
                row += [f"failed: {result['error']}", "-"]
            else:
                row += [f"{result['median']:.3f}", f"{gbps(nbytes, result['median']):.2f}"]
        compared = impl != "tfckpt" and not impl.startswith(("memcpy", "read"))
        row.append(f"{restore['median'] / our_restore:.2f}x"
                   if restore and "median" in restore and our_restore and compared else "")
        row.append(f"{save['median'] / our_save:.2f}x"
                   if save and "median" in save and our_save and impl != "tfckpt" else "")
        row.append(f"{restore['peak_rss'] / MiB:.0f}" if restore and "peak_rss" in restore
                   else "")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def ratio(results, impl, op, peer):
    ours = results.get(impl, {}).get(op, {}).get("median")
    theirs = results.get(peer, {}).get(op, {}).get("median")
    return theirs / ours if ours and theirs else None


def check(rows, name, value, target, unit, higher_is_better=True, note=""):
    if value is None:
        rows.append(f"| {name} | not measured | {target:g}{unit} | - | {note} |")
        return
    met = value >= target if higher_is_better else value <= target
    gap = "" if met else (f"{target / value if higher_is_better else value / target:.2f}x short")
    rows.append(f"| {name} | {value:.3g}{unit} | {'>=' if higher_is_better else '<='} "
                f"{target:g}{unit} | {'met' if met else 'MISSED ' + gap} | {note} |")


def targets(all_results, micro, spec_bytes):
    rows = ["| target | measured | goal | result | note |", "| --- | ---: | ---: | --- | --- |"]
    # Both restores verify every checksum: ReadTensors copies into new
    # tensors, MapTensors maps the page cache.
    restores = (("tfckpt", "ReadTensors"), ("tfckpt-mapped", "MapTensors"))
    for key in ("A", "C"):
        r = all_results.get(key)
        if r is None:
            continue
        for impl, how in restores:
            check(rows, f"({key}) restore ({how}) vs TF RestoreV2",
                  ratio(r, impl, "restore", "tf-raw"), 3, "x")
            check(rows, f"({key}) restore ({how}) vs safetensors load_file",
                  ratio(r, impl, "restore", "safetensors"), 1, "x")
    if "C" in all_results:
        r = all_results["C"]
        limit = r.get("memcpy", {}).get("restore", {}).get("median")
        for impl, how in restores:
            ours = r.get(impl, {}).get("restore", {}).get("median")
            check(rows, f"(C) restore ({how}) GB/s / memcpy GB/s (1 thread)",
                  limit / ours if ours and limit else None, 0.6, "")
        opened = r.get("tfckpt", {}).get("open", {})
        check(rows, "(C) open lazily", opened.get("median", 0) * 1e3 if opened else None,
              10, " ms", higher_is_better=False)
        if "peak_rss" in opened:
            check(rows, "(C) memory growth of a lazy open",
                  (opened["peak_rss"] - opened["base_rss"]) / MiB, 16, " MiB",
                  higher_is_better=False, note="4 GiB tensor; growth = peak - before")
    if "A" in all_results:
        r = all_results["A"]
        check(rows, "(A) save vs TF SaveV2 (page cache)", ratio(r, "tfckpt", "save", "tf-raw"),
              2, "x")
        check(rows, "(A) save vs safetensors save_file (page cache)",
              ratio(r, "tfckpt", "save", "safetensors"), 1, "x")
        check(rows, "(A) save, 2 data files, vs TF SaveV2 (page cache)",
              ratio(r, "tfckpt-2shards", "save", "tf-raw"), 2, "x")
        check(rows, "(A) save, 2 data files, vs safetensors save_file (page cache)",
              ratio(r, "tfckpt-2shards", "save", "safetensors"), 1, "x")
        restore = r.get("tfckpt", {}).get("restore", {})
        if "peak_rss" in restore:
            check(rows, "(A) restore peak RSS - checkpoint size",
                  (restore["peak_rss"] - spec_bytes["A"]) / MiB, 64, " MiB",
                  higher_is_better=False)
    if "B" in all_results:
        r = all_results["B"]
        for impl, how in restores:
            check(rows, f"(B) restore ({how}) vs TF RestoreV2",
                  ratio(r, impl, "restore", "tf-raw"), 5, "x")
        opened = r.get("tfckpt", {}).get("open", {})
        check(rows, "(B) open the index", opened.get("median", 0) * 1e3 if opened else None,
              20, " ms", higher_is_better=False, note="Open + one look-up")
    crc = micro.get("BM_Crc32c/67108864", {}).get("bytes_per_second")
    check(rows, "CRC32C, one core", crc / 1e9 if crc else None, 10, " GB/s")
    chain = micro.get("BM_SessionAddChain/10000/real_time", {}).get("time_per_op")
    check(rows, "Session overhead per op (10,000 scalar Adds)", chain * 1e6 if chain else None,
          2, " us", higher_is_better=False)
    return "\n".join(rows)


def micro_table(micro):
    if not micro or "error" in micro:
        return f"Micro-benchmarks: {micro.get('error', 'not run')}\n"
    lines = ["| micro-benchmark | time | throughput |", "| --- | ---: | ---: |"]
    for name, b in micro.items():
        if "bytes_per_second" in b:
            rate = f"{b['bytes_per_second'] / 1e9:.2f} GB/s"
        elif "GFLOP/s" in b:
            rate = f"{b['GFLOP/s']:.2f} GFLOP/s"
        elif "time_per_op" in b:
            rate = f"{b['time_per_op'] * 1e9:.0f} ns per op"
        else:
            rate = ""
        lines.append(f"| {name} | {b['real_time']:.4g} {b['time_unit']} | {rate} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workloads", default="A,B,C,D")
    parser.add_argument("--quick", action="store_true", help="tiny workloads (script check)")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--python", default=os.path.join(ROOT, ".venv", "bin", "python"))
    parser.add_argument("--torch-python",
                        default=os.path.join(ROOT, "bench", ".venv", "bin", "python"))
    parser.add_argument("--work-dir", default=os.path.join(ROOT, "build", "bench-work"))
    parser.add_argument("--no-micro", action="store_true")
    parser.add_argument("--micro-filter", default=".",
                        help="--benchmark_filter for micro_bench")
    parser.add_argument("--from-json", help="rewrite the report from a run's saved results")
    parser.add_argument("--skip", default="",
                        help="comma-separated WORKLOAD:IMPL measurements to leave out")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    args = parser.parse_args()
    args.driver = os.path.join(args.build_dir, "bin", "tfckpt_bench_driver")
    args.micro_bench = None if args.no_micro else os.path.join(args.build_dir, "bin",
                                                               "micro_bench")
    pythons = find_pythons(args)
    all_workloads = workloads(args.quick)
    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    args.skip = set(filter(None, args.skip.split(",")))
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        args.runs, sys.argv = saved["runs"], saved["argv"]
        write_report(args, pythons, datetime.datetime.fromisoformat(saved["started"]),
                     saved["load_before"], saved["results"], saved["spec_bytes"],
                     saved["micro"], saved)
        return
    all_results, spec_bytes = {}, {}
    micro = {}
    for key in args.workloads.split(","):
        spec = all_workloads[key]
        print(f"workload {key}: {len(spec)} tensors", file=sys.stderr, flush=True)
        all_results[key] = measure_workload(key, spec, args, pythons)
        spec_bytes[key] = all_results[key].get("tfckpt", {}).get("save", {}).get("bytes", 0)
        # Written after every workload, so an interrupted run leaves a report.
        write_report(args, pythons, started, load_before, all_results, spec_bytes, micro)
    micro = run_micro(args)
    write_report(args, pythons, started, load_before, all_results, spec_bytes, micro)
    tables = "\n\n".join(table(k, spec_bytes[k], r) for k, r in all_results.items())
    print(tables)
    print(targets(all_results, micro, spec_bytes))
    print(f"wrote {args.out}", file=sys.stderr)


def write_report(args, pythons, started, load_before, all_results, spec_bytes, micro,
                 saved=None):
    load_after = saved["load_after"] if saved else os.getloadavg()
    minutes = saved["minutes"] if saved else (
        datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60
    if not saved:  # keep the raw results, to rewrite the report with --from-json
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump({"runs": args.runs, "argv": sys.argv, "started": started.isoformat(),
                       "load_before": load_before, "load_after": load_after,
                       "minutes": minutes, "results": all_results, "spec_bytes": spec_bytes,
                       "micro": micro}, f, indent=1)

    tables = "\n\n".join(table(k, spec_bytes[k], r) for k, r in all_results.items())
    doc = [
        "# Performance: tfckpt against TensorFlow, safetensors and PyTorch",
        "",
        "Generated by `make bench` (`bench/compare.py`); do not edit by hand: the analysis at "
        "the end comes from `bench/analysis.md`.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC, {minutes:.0f} minutes, median of {args.runs} runs"
        " per cell, each library in processes of its own.",
        f"- Machine: {machine()}.",
        f"- Load average (1/5/15 min) before: {'/'.join(f'{x:.1f}' for x in load_before)}, "
        f"after: {'/'.join(f'{x:.1f}' for x in load_after)}. Other work on the machine "
        "competes for its cores and memory bandwidth: compare the ratios of one run, not the "
        "absolute figures of two.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions(pythons).items()) + ".",
        f"- Command: `make bench` (= `{os.path.relpath(args.python, ROOT)} bench/compare.py "
        f"{' '.join(sys.argv[1:])}`).",
        "",
        "GB/s is 10^9 bytes of tensor payload per second. Speed-up = the peer's median time / "
        "tfckpt's (page-cache) median time: above 1 means tfckpt is faster. \"Page cache\" "
        "saves end when the files are in the kernel's cache, as TensorFlow's, safetensors' "
        "and PyTorch's saves do; \"fsync\" saves also make them durable. Restores read files "
        "that the page cache holds (they were just written) and every library's restore "
        "lands every tensor in new memory, except tfckpt's MapTensors, which maps the file and "
        "checks every CRC in place (read-only views, no copy), and torch's mmap load, which maps "
        "the file and reads nothing until the tensors are used. tfckpt restores verify every CRC32C; "
        "safetensors and PyTorch have no checksums. The restore peak RSS includes the "
        "interpreter and the library (TensorFlow alone is several hundred MiB).",
        "",
        "## Save and restore",
        "",
        "Workloads: (A) 199 float32 tensors shaped as BERT-base's with hidden size 1280, "
        f"{spec_bytes.get('A', 0) / GiB:.2f} GiB; (B) 20,000 float32 tensors of 16 to 1024 "
        "elements; (C) one float32 tensor of 4 GiB; (D) float32, float16, bfloat16, int64, "
        "int8, bool and two string tensors.",
        "",
        tables,
        "",
        "## Targets (issue #9)",
        "",
        targets(all_results, micro, spec_bytes),
        "",
        "## Micro-benchmarks (`build/bin/micro_bench`)",
        "",
        micro_table(micro),
        "",
    ]
    analysis = os.path.join(ROOT, "bench", "analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            doc.append(f.read())
    with open(args.out, "w") as f:
        f.write("\n".join(doc))


if __name__ == "__main__":
    main()
