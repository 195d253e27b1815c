#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time:
#   tools/fuzz.sh TARGET SECONDS        e.g. tools/fuzz.sh bundle_index_fuzzer 60
# Configures build-fuzz (clang, TFCKPT_BUILD_FUZZERS=ON, ASan+UBSan) when
# needed, builds TARGET, and fuzzes it with fuzz/corpus/TARGET as the seed
# corpus. New inputs go to a temporary directory, so the committed corpus
# stays small; a crash, leak or timeout is written to fuzz/crashes/TARGET/
# (minimize it with `build-fuzz/bin/TARGET -minimize_crash=1 -runs=10000
# FILE` and commit it: CTest replays that directory). Environment: JOBS
# (build parallelism, default 1), BUILD_DIR (default build-fuzz), and
# FUZZ_ARGS (extra libFuzzer flags). Exits non-zero when the fuzzer found
# something.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 TARGET SECONDS (TARGET: one of fuzz/corpus/*)" >&2
  exit 2
fi
target=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
corpus=$root/fuzz/corpus/$target
crashes=$root/fuzz/crashes/$target
if [[ ! -d $corpus ]]; then
  echo "unknown target '$target': no $corpus" >&2
  exit 2
fi
mkdir -p "$crashes"

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DTFCKPT_BUILD_FUZZERS=ON \
    -DTFCKPT_INSTALL=OFF
fi
ninja -C "$build" -j "${JOBS:-1}" "$target"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The first directory receives new inputs; the second only seeds.
status=0
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags.
"$build/bin/$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_ARGS:-} \
  "$work" "$corpus" || status=$?
echo "fuzz.sh: $target ran ${seconds}s; seeds: $(find "$corpus" -type f | wc -l)," \
     "new inputs: $(find "$work" -type f | wc -l), exit status $status"
exit "$status"
