#!/usr/bin/env bash
# kiln's main job, end to end, on a fresh Debian 12 machine: install the dependencies, build kiln, export
# ResNet-18 from torchvision (seeded weights), partition it (the strategies side by side), compile it into a
# fused native library, run it with kiln's LibTorch-free runtime, validate it against LibTorch, profile every
# block against the machine's measured roofline, and benchmark it against LibTorch in one process.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
kiln=./build/tools/kiln
model=build/zoo/resnet18_traced.pt
$kiln machine
$kiln partition $model --compare
$kiln compile $model -o build/resnet18.kiln
$kiln run build/resnet18.kiln --random 1 --repeat 20 -o build/resnet18-output.npy
$kiln validate $model build/resnet18.kiln
$kiln profile build/resnet18.kiln $model
$kiln bench $model build/resnet18.kiln
