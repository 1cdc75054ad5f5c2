#!/usr/bin/env bash
# Builds kiln's libFuzzer targets (fuzz/) in the checked build, ./build-checked (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer; shared with scripts/sanitize.sh), seeds them (a compiled LeNet-5's manifest,
# .npy files, IR text, the zoo's small .pt files), and runs each for FUZZ_SECONDS (default 60), two at a time.
# Needs ./build from scripts/build.sh (the zoo and `kiln compile`). Prints each target's executions; a finding
# keeps its input in build-checked/findings/ and makes the script exit 1. A longer run:
# FUZZ_SECONDS=3600 bash scripts/fuzz.sh [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy_fuzzer manifest_fuzzer ir_text_fuzzer torchscript_fuzzer)
out=build-checked

source scripts/configure.sh
configure_checked
cmake --build $out --target "${targets[@]}"

# Seeds, refreshed each run; what the fuzzers add to their corpus stays.
seed() {
  local corpus=$out/corpus/$1
  case $1 in
    npy_fuzzer)
      /usr/bin/python3 - "$corpus" <<'PY'
import sys, numpy
from numpy.lib import format as npy
d = sys.argv[1]
numpy.save(f"{d}/image.npy", numpy.ones((1, 1, 32, 32), "float32"))
numpy.save(f"{d}/tokens.npy", numpy.arange(32).reshape(2, 16))
numpy.save(f"{d}/mask.npy", numpy.array([True, False, True]))
numpy.save(f"{d}/scalar.npy", numpy.float32(3))
numpy.save(f"{d}/fortran.npy", numpy.asfortranarray(numpy.ones((2, 3), "float32")))
with open(f"{d}/version2.npy", "wb") as f:
    npy.write_array(f, numpy.zeros((3, 2), "float32"), version=(2, 0))
PY
      ;;
    ir_text_fuzzer) cp fuzz/seeds/ir/*.txt "$corpus"/ ;;
    torchscript_fuzzer)
      for model in lenet5 op_coverage more_op_coverage masks_and_indices shape_checked recurrent token_encoder; do
        cp build/zoo/${model}_traced.pt build/zoo/${model}_scripted.pt "$corpus"/
      done
      ;;
    manifest_fuzzer)
      if [ ! -f $out/artifact/manifest.json ]; then
        ./build/tools/kiln compile build/zoo/lenet5_traced.pt --strategy none -o $out/artifact \
          >$out/seed_compile.log 2>&1 || { cat $out/seed_compile.log; exit 1; }
      fi
      cp $out/artifact/manifest.json "$corpus"/lenet_unfused.json
      ;;
  esac
}
for t in "${targets[@]}"; do
  mkdir -p $out/corpus/$t $out/findings/$t
  seed "$t"
done

# Short allocation stacks and a small quarantine: the TorchScript fuzzer runs ~25% faster (its forks copy
# less memory). Run a finding's input again without them for the full allocation stacks.
asan_options=detect_leaks=0:malloc_context_size=4:quarantine_size_mb=16

run() {
  local t=$1 status=0
  KILN_FUZZ_ARTIFACT=$PWD/$out/artifact ASAN_OPTIONS=$asan_options $out/fuzz/$t $out/corpus/$t \
    -max_total_time="$seconds" -max_len=300000 -rss_limit_mb=6144 -print_final_stats=1 \
    -artifact_prefix=$out/findings/$t/ >$out/$t.log 2>&1 || status=$?
  local runs
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' $out/$t.log | tail -1 | grep -o '[0-9]*$' || echo 0)
  if [ $status -eq 0 ]; then
    echo "fuzz: $t: $runs executions in ${seconds} s, no finding"
  else
    echo "fuzz: $t: FINDING after $runs executions (exit $status); see $out/$t.log and $out/findings/$t/"
    tail -40 $out/$t.log
  fi
  return $status
}

failed=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" & first=$!
  second=""
  if [ $((i + 1)) -lt ${#targets[@]} ]; then run "${targets[i + 1]}" & second=$!; fi
  wait $first || failed=1
  if [ -n "$second" ]; then wait $second || failed=1; fi
done
exit $failed
