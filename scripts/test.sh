#!/usr/bin/env bash
# Runs kiln's whole test suite: installs what is missing, builds, runs every test through CTest, then the
# checked builds: the sanitizers (scripts/sanitize.sh) and a bounded fuzzing run (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
# Measure the machine's roofline once, alone, before tests run in parallel and would disturb it.
./build/tools/kiln machine
(cd build && ctest --output-on-failure -j "$(nproc)")
bash scripts/sanitize.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-60} bash scripts/fuzz.sh
