#!/usr/bin/env bash
# Configures and builds kiln (and exports the model zoo) into ./build, through ccache when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ccache.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build build
