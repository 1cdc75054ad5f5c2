#!/usr/bin/env bash
# Configures and builds kiln (and exports the model zoo) into ./build (scripts/configure.sh: clang, ccache).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/configure.sh
configure build
cmake --build build
