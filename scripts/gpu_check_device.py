#!/usr/bin/env python3
"""Runs a bundle made by gpu_bundle.py on a machine with an NVIDIA GPU: validates and times every artifact.

For each model: kiln-runner runs the CUDA artifact on the bundled inputs, its outputs are compared with the
LibTorch reference by `kiln validate`'s rule (max |out - ref| / max |ref| <= 1e-4 and cosine >= 0.99999), then
kiln-runner times --runs runs end to end and per block; where the bundle names the model's torchvision
architecture and PyTorch sees the GPU, PyTorch eager is timed beside it. A model that fails is run again
keeping every block's activations, packed as values-MODEL.tar.xz for localization back where kiln is.

Usage: python3 BUNDLE/gpu_check_device.py [--out DIR]     (DIR defaults to $OUT, else /tmp/gpu-check)
Needs only python3 with numpy. Writes DIR/gpu-check.json and DIR/gpu-check.log; prints a summary.
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

BUNDLE = os.path.dirname(os.path.abspath(__file__))
SCALED_ERROR, MIN_COSINE = 1e-4, 0.99999


def compare(output, reference):
    output, reference = output.astype(np.float64).ravel(), reference.astype(np.float64).ravel()
    if output.shape != reference.shape:
        return {"pass": False, "problem": f"shape {output.shape} against {reference.shape}"}
    peak = np.abs(reference).max() if reference.size else 0.0
    max_abs = float(np.abs(output - reference).max()) if reference.size else 0.0
    norms = np.linalg.norm(output) * np.linalg.norm(reference)
    cosine = float(output @ reference / norms) if norms > 0 else float(max_abs == 0)
    scaled = max_abs / peak if peak > 0 else max_abs
    return {"max_abs": max_abs, "scaled": scaled, "cosine": cosine,
            "pass": bool(np.isfinite(scaled) and scaled <= SCALED_ERROR and cosine >= MIN_COSINE)}


def runner(folder, output_dir, extra, log):
    inputs = sorted(f for f in os.listdir(folder) if f.startswith("input"))
    command = [os.path.join(BUNDLE, "kiln-runner"), os.path.join(folder, "artifact"), "--output-dir", output_dir]
    for name in inputs:
        command += ["--input", os.path.join(folder, name)]
    done = subprocess.run(command + extra, capture_output=True, text=True)
    log.write(f"$ {' '.join(command + extra)}\n{done.stdout}{done.stderr}rc={done.returncode}\n\n")
    return done


def check_model(name, runs, out, log):
    folder = os.path.join(BUNDLE, name)
    result = {"model": name}
    with tempfile.TemporaryDirectory() as scratch:
        done = runner(folder, scratch, [], log)
        if done.returncode != 0:
            result.update(status="error", error=done.stderr.strip())
            return result
        references = sorted(f for f in os.listdir(folder) if f.startswith("reference"))
        result["outputs"] = [compare(np.load(os.path.join(scratch, f"output{k}.npy")),
                                     np.load(os.path.join(folder, ref))) for k, ref in enumerate(references)]
        result["status"] = "pass" if all(o["pass"] for o in result["outputs"]) else "mismatch"
        if result["status"] == "mismatch":
            runner(folder, os.path.join(scratch, "kept"), ["--keep-values"], log)
            with tarfile.open(os.path.join(out, f"values-{name}.tar.xz"), "w:xz") as tar:
                tar.add(os.path.join(scratch, "kept"), arcname=f"values-{name}")
        timed = runner(folder, scratch, ["--runs", str(runs)], log)
    result["times"] = timed.stdout
    result["end_to_end"] = timed.stdout.splitlines()[0] if timed.stdout else timed.stderr.strip()
    return result


def time_pytorch(builder, input_path, runs):
    """PyTorch eager (cuDNN) on the GPU, same architecture and input shape (its own random weights: the time
    does not depend on their values). Median milliseconds of `runs` runs timed by CUDA events, or None."""
    try:
        import torch
        import torchvision
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.backends.cudnn.benchmark = True
    model = getattr(torchvision.models, builder)().cuda().eval()
    x = torch.from_numpy(np.load(input_path)).cuda()
    times = []
    with torch.no_grad():
        for _ in range(10):
            model(x)
        for _ in range(runs):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            model(x)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
    return float(np.median(times))


def describe_machine(log):
    command = ("nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; "
               "grep -m1 'model name' /proc/cpuinfo; echo \"$(nproc) cores\"; ldconfig -p | grep libcuda")
    done = subprocess.run(["sh", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(f"$ {command}\n{done.stdout}\n")
    print(done.stdout.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.environ.get("OUT", "/tmp/gpu-check"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(BUNDLE, "bundle.json")) as f:
        bundle = json.load(f)
    results = []
    with open(os.path.join(args.out, "gpu-check.log"), "w") as log:
        describe_machine(log)
        for name in bundle["models"]:
            results.append(check_model(name, bundle["runs"], args.out, log))
            r = results[-1]
            if name in bundle.get("torchvision", {}):
                r["pytorch_ms"] = time_pytorch(bundle["torchvision"][name], os.path.join(BUNDLE, name, "input0.npy"),
                                               bundle["runs"])
                print(f"{name:32s} PyTorch eager (cuDNN) median {r['pytorch_ms']} ms")
            worst = max((o.get("scaled", float("inf")) for o in r.get("outputs", [])), default=float("nan"))
            print(f"{name:32s} {r['status']:8s} scaled error {worst:.2e}  {r.get('end_to_end', r.get('error'))}")
            log.flush()
    with open(os.path.join(args.out, "gpu-check.json"), "w") as f:
        json.dump(results, f, indent=1)
    failed = [r["model"] for r in results if r["status"] != "pass"]
    print(f"gpu-check: {len(results) - len(failed)} of {len(results)} models pass" +
          (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
