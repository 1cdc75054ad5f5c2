#!/usr/bin/python3
"""Packs a GPU check for a machine that has an NVIDIA GPU but not kiln's build (no Debian packages, no network).

kiln itself (Halide, LLVM, LibTorch) stays here: this script compiles each model for CUDA, draws its inputs,
runs the TorchScript module in LibTorch (PyTorch) for the reference outputs, and puts the artifacts, the .npy
files, a stripped kiln-runner (glibc and libstdc++ only) and gpu_check_device.py into one folder. On the GPU
machine, `python3 BUNDLE/gpu_check_device.py` runs every artifact with the runtime alone, compares its outputs
with the reference and times it (kiln-runner --runs).

The artifacts' host code is built for plain AVX2, so the bundle runs whatever x86-64 CPU the GPU machine has;
`--target host` makes a bundle to try here.

Usage: gpu_bundle.py BUNDLE_DIR MODEL.pt... [--build DIR] [--runs N]
Needs a built kiln (scripts/build.sh) and numpy; run it with /usr/bin/python3 (Debian's torch).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
import torchvision

PORTABLE_CUDA = "x86-64-linux-avx-avx2-f16c-fma-sse41-cuda-cuda_capability_80"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def draw_inputs(manifest, seed):
    """Seeded inputs of the manifest's shapes: standard normal floats, int64 token ids in [0, 2)."""
    generator = torch.Generator().manual_seed(seed)
    inputs = []
    for value_id in manifest["inputs"]:
        value = next(v for v in manifest["values"] if v["id"] == value_id)
        if value["dtype"] == "float32":
            inputs.append(torch.randn(value["shape"], generator=generator))
        elif value["dtype"] == "int64":
            inputs.append(torch.randint(0, 2, value["shape"], generator=generator))
        else:
            sys.exit(f"gpu_bundle: input {value['name']} is {value['dtype']}; this script draws float32 and int64")
    return inputs


def flatten(outputs):
    if isinstance(outputs, torch.Tensor):
        return [outputs]
    flat = []
    for item in outputs:
        flat += flatten(item)
    return flat


def pack_model(model_path, bundle, kiln, target, seed):
    name = os.path.basename(model_path).removesuffix(".pt")
    folder = os.path.join(bundle, name)
    artifact = os.path.join(folder, "artifact")
    subprocess.run([kiln, "compile", model_path, "--target", target, "-o", artifact], check=True,
                   stdout=subprocess.DEVNULL)
    for entry in os.listdir(artifact):
        if entry.endswith(".a"):  # the static library is for linking into an application, not for the runner
            os.remove(os.path.join(artifact, entry))
    with open(os.path.join(artifact, "manifest.json")) as f:
        manifest = json.load(f)
    inputs = draw_inputs(manifest, seed)
    with torch.no_grad():
        reference = flatten(torch.jit.load(model_path)(*inputs))
    for k, tensor in enumerate(inputs):
        np.save(os.path.join(folder, f"input{k}.npy"), tensor.numpy())
    for k, tensor in enumerate(reference):
        np.save(os.path.join(folder, f"reference{k}.npy"), tensor.contiguous().numpy())
    print(f"gpu_bundle: {name}: {len(manifest['blocks'])} blocks, {len(inputs)} inputs, {len(reference)} outputs")
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--runs", type=int, default=50, help="timed runs per model on the GPU machine")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", default=PORTABLE_CUDA, help="kiln target (host: try the bundle here)")
    args = parser.parse_args()

    kiln = os.path.join(args.build, "tools", "kiln")
    runner = os.path.join(args.build, "runner", "kiln-runner")
    for path in (kiln, runner):
        if not os.path.exists(path):
            sys.exit(f"gpu_bundle: no {path}; build kiln first (bash scripts/build.sh)")
    shutil.rmtree(args.bundle, ignore_errors=True)
    os.makedirs(args.bundle)
    names = [pack_model(m, args.bundle, kiln, args.target, args.seed) for m in args.models]
    # The torchvision architecture of a zoo model, which the GPU machine's PyTorch can build and time there.
    builders = {n: n.rsplit("_", 1)[0] for n in names if n.rsplit("_", 1)[0] in torchvision.models.list_models()}
    subprocess.run(["strip", "-o", os.path.join(args.bundle, "kiln-runner"), runner], check=True)
    shutil.copy(os.path.join(ROOT, "scripts", "gpu_check_device.py"), args.bundle)
    with open(os.path.join(args.bundle, "bundle.json"), "w") as f:
        json.dump({"models": names, "torchvision": builders, "runs": args.runs, "target": args.target}, f, indent=1)
    print(f"gpu_bundle: wrote {args.bundle}; on the GPU machine: python3 {args.bundle}/gpu_check_device.py")


if __name__ == "__main__":
    main()
