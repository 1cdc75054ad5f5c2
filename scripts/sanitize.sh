#!/usr/bin/env bash
# kiln under the sanitizers. Builds with AddressSanitizer and UndefinedBehaviorSanitizer into ./build-asan and
# runs the IR, frontend and runtime unit tests there, then compiles, runs and validates LeNet-5 and ResNet-18
# with that kiln; builds the runtime's concurrency test with ThreadSanitizer into ./build-tsan and runs it.
# Any sanitizer report fails the script. Leak checking is off: LibTorch and Halide keep process-lifetime
# allocations that LeakSanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ccache.sh
configure() {  # build dir, sanitizers
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_SANITIZE="$2" "${launcher[@]}" >/dev/null
}

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
configure build-asan address,undefined
cmake --build build-asan --target kiln kiln-runner kiln_arm64 kiln_ir_tests kiln_frontend_tests kiln_runtime_tests
for tests in kiln_ir_tests kiln_frontend_tests kiln_runtime_tests; do
  echo "sanitize: $tests (address,undefined)"
  ./build-asan/tests/$tests --gtest_brief=1
done
kiln=./build-asan/tools/kiln
for model in lenet5 resnet18; do
  echo "sanitize: compile, run and validate $model (address,undefined)"
  $kiln compile build-asan/zoo/${model}_traced.pt -o build-asan/checked/$model
  $kiln run build-asan/checked/$model --random 1 -o build-asan/checked/$model.npy
  $kiln validate build-asan/zoo/${model}_traced.pt build-asan/checked/$model
done

export TSAN_OPTIONS=halt_on_error=1
configure build-tsan thread
cmake --build build-tsan --target kiln_concurrency_tests
echo "sanitize: kiln_concurrency_tests (thread)"
KILN_TEST_ARTIFACT=$PWD/build-asan/checked/lenet5 ./build-tsan/tests/kiln_concurrency_tests --gtest_brief=1
echo "sanitize: clean"
