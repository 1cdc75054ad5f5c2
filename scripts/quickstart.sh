#!/usr/bin/env bash
# kiln's main job, end to end, on a fresh Debian 12 machine: install the dependencies, build kiln, export
# ResNet-18 from torchvision (seeded weights), partition it (the strategies side by side), compile it into a
# fused native library, run it with kiln's LibTorch-free runtime, validate it against LibTorch, profile every
# block against the machine's measured roofline, benchmark it against LibTorch in one process, then compile
# it for arm64 (validated under qemu-aarch64) and for CUDA.
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
# The same model for 64-bit ARM, validated under qemu-aarch64, and for CUDA (compiled and linked here; it runs
# where an NVIDIA GPU is).
$kiln compile $model -o build/resnet18-arm64.kiln --target arm64
$kiln validate --target arm64 $model build/resnet18-arm64.kiln --seeds 1
$kiln compile $model -o build/resnet18-cuda.kiln --target cuda
