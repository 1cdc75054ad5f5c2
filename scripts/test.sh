#!/usr/bin/env bash
# Runs kiln's whole test suite: installs what is missing, builds, and runs every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
# Measure the machine's roofline once, alone, before tests run in parallel and would disturb it.
./build/tools/kiln machine
cd build
ctest --output-on-failure -j "$(nproc)"
