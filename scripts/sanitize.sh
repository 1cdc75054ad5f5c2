#!/usr/bin/env bash
# kiln under the sanitizers. Builds the checked build, ./build-checked (AddressSanitizer and
# UndefinedBehaviorSanitizer; shared with scripts/fuzz.sh), runs the IR, frontend and runtime unit tests there
# and compiles, runs and validates LeNet-5 and ResNet-18 with that kiln; builds the runtime's concurrency test
# with ThreadSanitizer into ./build-tsan and runs it. Needs ./build from scripts/build.sh (the model zoo). Any
# sanitizer report fails the script. Leak checking is off: LibTorch and Halide keep process-lifetime
# allocations that LeakSanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/configure.sh
out=build-checked
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
configure_checked
cmake --build $out --target kiln kiln-runner kiln_arm64 kiln_ir_tests kiln_frontend_tests kiln_runtime_tests

# The checks are independent and mostly one thread each: the frontend's tests, the longest, run beside the
# others. Each check's output goes to $out/checks/NAME.log and is shown when it fails.
mkdir -p $out/checks
check() {  # name, command...
  local name=$1 status=0
  shift
  "$@" >$out/checks/$name.log 2>&1 || status=$?
  if [ $status -eq 0 ]; then
    echo "sanitize: $name (address,undefined): clean"
  else
    echo "sanitize: $name (address,undefined): FAILED (exit $status)"
    cat $out/checks/$name.log
  fi
  return $status
}
compile_run_validate() {  # model
  local kiln=$out/tools/kiln
  $kiln compile build/zoo/$1_traced.pt -o $out/checked/$1 &&
    $kiln run $out/checked/$1 --random 1 -o $out/checked/$1.npy &&
    $kiln validate build/zoo/$1_traced.pt $out/checked/$1
}
failed=0
check kiln_frontend_tests $out/tests/kiln_frontend_tests --gtest_brief=1 & frontend=$!
check kiln_ir_tests $out/tests/kiln_ir_tests --gtest_brief=1 || failed=1
check kiln_runtime_tests $out/tests/kiln_runtime_tests --gtest_brief=1 || failed=1
for model in lenet5 resnet18; do
  check "$model-compile-run-validate" compile_run_validate $model || failed=1
done
wait $frontend || failed=1
[ $failed -eq 0 ]

export TSAN_OPTIONS=halt_on_error=1
configure build-tsan -DKILN_SANITIZE=thread
cmake --build build-tsan --target kiln_concurrency_tests
echo "sanitize: kiln_concurrency_tests (thread)"
KILN_TEST_ARTIFACT=$PWD/$out/checked/lenet5 ./build-tsan/tests/kiln_concurrency_tests --gtest_brief=1
echo "sanitize: clean"
