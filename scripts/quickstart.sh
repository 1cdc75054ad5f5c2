#!/usr/bin/env bash
# kiln's main job, end to end, on a fresh Debian 12 machine: install the dependencies, build kiln, export
# ResNet-18 from torchvision (seeded weights), import it and print its summary, then partition it with every
# strategy: the comparison on the terminal and the full report as one HTML page.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
./build/tools/kiln inspect build/zoo/resnet18_traced.pt
./build/tools/kiln partition build/zoo/resnet18_traced.pt --compare
./build/tools/kiln partition build/zoo/resnet18_traced.pt --strategy all --format html -o build/resnet18-partition.html
