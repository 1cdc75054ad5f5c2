"""Benchmarks kiln on the model zoo and writes a Markdown table: compile time, end-to-end latency of the
artifact against LibTorch eager and LibTorch frozen+optimize_for_inference (one process, same inputs, same
threads, interleaved runs, each timed after 20 ms of untimed runs of the same contender), against ONNX Runtime
(same threads), and activation memory. The machine, measured at the start and again at the end, heads the
table.

The rounds are split into segments that alternate between `kiln bench` (kiln, eager, optimized) and ONNX
Runtime, so that a change in the shared machine's speed (it has lost a core for minutes at a time) falls on
every contender alike; each contender's latency is the median of its segment medians, shown with their range.

ONNX Runtime is npm's onnxruntime-node (its CPU binaries ship inside the package), installed with
--ignore-scripts into BUILD/onnxruntime on first use; each model is exported with torch.onnx.export (opset 13)
from the same TorchScript file kiln compiles (or, where the exporter cannot, from the torchvision module of that
name holding the file's weights). Without node, npm or the package, its column says why and the rest still runs.

usage: /usr/bin/python3 benchmarks/bench_zoo.py [--build build] [--threads N] [--runs N] [--segments N]
                                                [--out FILE.md] [--cached-machine] [MODEL ...]
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

import torch
import torchvision

ZOO = ["lenet5", "resnet18", "resnet34", "resnet50", "mobilenet_v2", "efficientnet_b0"]
ORT_VERSION = "1.30.0"
ORT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnxruntime_bench.js")


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


def schedule_options(kiln, tuning_db):
    """`kiln compile` options for the schedules benchmarked: `kiln tune`'s choices from `tuning_db`, or every
    block's default (--untuned, which builds from before `kiln tune` lack and do not need)."""
    if tuning_db:
        return ["--db", tuning_db]
    return ["--untuned"] if "--untuned" in run([kiln, "compile", "--help"]) else []


def compile_model(kiln, model_path, artifact, schedules):
    out = run([kiln, "compile", model_path, "-o", artifact] + schedules)
    total = float(re.search(r"in ([0-9.]+) s", out).group(1))
    phases = dict((name, float(sec)) for name, sec in re.findall(r"(\w+) ([0-9.]+) s", out.split("time:")[1]))
    blocks = int(re.search(r": (\d+) blocks", out).group(1))
    return total, phases, blocks


def install_onnxruntime(build):
    """The folder holding node_modules/onnxruntime-node, or the reason it is unavailable."""
    prefix = os.path.abspath(os.path.join(build, "onnxruntime"))
    if os.path.isdir(os.path.join(prefix, "node_modules", "onnxruntime-node")):
        return prefix, None
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None, "node/npm not installed"
    os.makedirs(prefix, exist_ok=True)
    result = subprocess.run(["npm", "install", "--prefix", prefix, "--ignore-scripts", "--no-audit", "--no-fund",
                             f"onnxruntime-node@{ORT_VERSION}"], capture_output=True, text=True)
    if result.returncode != 0:
        return None, "npm install onnxruntime-node failed: " + result.stderr.strip().splitlines()[-1]
    return prefix, None


def input_spec(model_path):
    """The input the exporter stored: its spec ("1x3x224x224", "2x11:i64"), shape and dtype name."""
    extra = {"kiln/input_shape": ""}
    torch.jit.load(model_path, _extra_files=extra)
    text = extra["kiln/input_shape"]
    text = text.decode() if isinstance(text, bytes) else text
    shape, _, dtype = text.partition(":")
    return text, [int(d) for d in shape.split("x")], dtype or "f32"


def export_onnx(model, model_path, onnx_path):
    """Exports the TorchScript file; where the exporter cannot (a traced transformer records PyTorch's fused
    attention, which has no ONNX form), the torchvision builder of the same name with the file's weights,
    whose Python code takes the unfused path. Returns None, or why there is no ONNX model."""
    _, shape, dtype = input_spec(model_path)
    example = torch.randint(0, 2, shape) if dtype == "i64" else torch.randn(*shape)
    module = torch.jit.load(model_path).eval()
    try:
        torch.onnx.export(module, example, onnx_path, opset_version=13)
        return None
    except Exception as e:  # the exporter raises several unrelated types
        reason = f"ONNX export failed: {str(e).strip().splitlines()[0]}"
    builder = getattr(torchvision.models, model, None)
    if not callable(builder):
        return reason
    python_module = builder().eval()
    python_module.load_state_dict(module.state_dict())
    torch.onnx.export(python_module, example, onnx_path, opset_version=13)
    return None


def bench_onnxruntime(prefix, model_path, onnx_path, threads, runs):
    """ONNX Runtime's median seconds for the exported model, or the reason it could not be measured."""
    spec, _, _ = input_spec(model_path)
    env = dict(os.environ, NODE_PATH=os.path.join(prefix, "node_modules"))
    result = subprocess.run(["node", ORT_SCRIPT, onnx_path, spec, str(threads), str(runs), "3"],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        return None, result.stderr.strip()
    return json.loads(result.stdout), None


def bench_segments(kiln, model, model_path, artifact, ort_prefix, args):
    """Alternating segments of `kiln bench` and ONNX Runtime. Returns the last kiln bench JSON, each
    contender's segment medians in seconds (kiln, eager, optimized, then ONNX Runtime's if it ran) and, when
    ONNX Runtime could not run, why."""
    per_segment = max(1, args.runs // args.segments)
    result_file = artifact + ".bench.json"
    onnx_path = artifact + ".onnx"
    medians = {"kiln": [], "eager": [], "optimized": [], "ort": []}
    bench, ort_missing = None, None
    if ort_prefix:
        ort_missing = export_onnx(model, model_path, onnx_path)
    for segment in range(args.segments):
        order = ["kiln", "ort"] if segment % 2 == 0 else ["ort", "kiln"]
        for contender in order:
            if contender == "kiln":
                run([kiln, "bench", model_path, artifact, "--threads", str(args.threads), "--runs",
                     str(per_segment), "--json", result_file])
                bench = json.load(open(result_file))
                for name, c in zip(["kiln", "eager", "optimized"], bench["contenders"]):
                    medians[name].append(c["median_seconds"])
            elif ort_prefix and ort_missing is None:
                ort, ort_missing = bench_onnxruntime(ort_prefix, model_path, onnx_path, args.threads, per_segment)
                if ort:
                    medians["ort"].append(ort["median_seconds"])
    return bench, medians, ort_missing


def ms_with_range(seconds):
    return f"{statistics.median(seconds) * 1e3:.2f} ({min(seconds) * 1e3:.2f}-{max(seconds) * 1e3:.2f})"


def source_commit(build):
    """The commit of the source tree `build` was configured from (its CMakeCache.txt names the tree), so that a
    build of another checkout is labelled with its own commit."""
    source = "."
    with open(os.path.join(build, "CMakeCache.txt")) as cache:
        for line in cache:
            if line.startswith("CMAKE_HOME_DIRECTORY:"):
                source = line.split("=", 1)[1].strip()
    result = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def mib(n):
    return f"{n / 1048576:.1f} MiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--out", default="benchmarks/results.md")
    parser.add_argument("--cached-machine", action="store_true",
                        help="plan with the machine figures kiln has cached instead of measuring the machine "
                        "at the start and end (two builds benchmarked back to back then compile the same plans)")
    parser.add_argument("--tuning-db", help="compile with the schedules `kiln tune` chose, kept in this database "
                        "(default: every block's default schedule)")
    parser.add_argument("models", nargs="*", default=ZOO)
    args = parser.parse_args()
    kiln = os.path.join(args.build, "tools", "kiln")
    measure = [kiln, "machine"] if args.cached_machine else [kiln, "machine", "--remeasure"]
    machine_before = run(measure).strip()
    commit = source_commit(args.build)
    schedules = schedule_options(kiln, args.tuning_db)

    ort_prefix, ort_missing = install_onnxruntime(args.build)
    rows = []
    for model in args.models:
        model_path = os.path.join(args.build, "zoo", model + "_traced.pt")
        artifact = os.path.join(args.build, "bench", model + ".kiln")
        print(f"{model}: compiling", file=sys.stderr)
        total, phases, blocks = compile_model(kiln, model_path, artifact, schedules)
        print(f"{model}: benchmarking", file=sys.stderr)
        bench, medians, ort_why = bench_segments(kiln, model, model_path, artifact, ort_prefix, args)
        kiln_c, eager, optimized = bench["contenders"]
        kiln_s = statistics.median(medians["kiln"])
        speedup = {name: statistics.median(medians[name]) / kiln_s for name in ("eager", "optimized")}
        ort_ms, ort_speedup = ort_missing or ort_why, "-"
        if medians["ort"]:
            ort_ms = ms_with_range(medians["ort"])
            ort_speedup = f"{statistics.median(medians['ort']) / kiln_s:.2f}x"
        rows.append(
            f"| {model} | {blocks} | {total:.1f} ({phases.get('codegen', 0):.1f}) | "
            f"{ms_with_range(medians['kiln'])} | {ms_with_range(medians['eager'])} | "
            f"{ms_with_range(medians['optimized'])} | {ort_ms} | {speedup['eager']:.2f}x | "
            f"{speedup['optimized']:.2f}x | {ort_speedup} | {mib(kiln_c['memory_bytes'])} | "
            f"{mib(eager['memory_bytes'])} | {mib(optimized['memory_bytes'])} | {bench['max_scaled_error']:.1e} |")

    machine_after = run(measure).strip()
    lines = [
        f"Measured {datetime.date.today()} at kiln {commit} with `/usr/bin/python3 benchmarks/bench_zoo.py "
        f"--threads {args.threads} --runs {args.runs} --segments {args.segments}"
        f"{' --cached-machine' if args.cached_machine else ''}"
        f"{' --tuning-db ' + args.tuning_db if args.tuning_db else ''}`: {args.threads} threads for "
        f"every contender, {args.runs} rounds in {args.segments} segments alternating between `kiln bench` "
        "(kiln, LibTorch eager and optimized interleaved, each timed run after 20 ms of untimed runs of the same "
        "contender, 3 warm-up rounds) and ONNX Runtime; each latency is the median of the segment medians, with "
        "their range in brackets; traced models, batch 1, default input shapes; `kiln compile` with its defaults "
        "(dnnfusion, host target) and "
        + (f"the schedules `kiln tune` chose ({args.tuning_db})." if args.tuning_db
           else "every block's default schedule."),
        "",
        "```",
        "before:",
        machine_before,
        "after:",
        machine_after,
        "```",
        "",
        "| model | blocks | compile s (codegen) | kiln ms | LibTorch eager ms | LibTorch optimized ms "
        f"| ONNX Runtime {ORT_VERSION} ms | speedup vs eager | speedup vs optimized | speedup vs ONNX Runtime "
        "| kiln arena | eager peak | optimized peak | max error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Speedup = LibTorch median / kiln median (above 1: kiln is faster). LibTorch optimized = "
        "`torch.jit.optimize_for_inference` (frozen, oneDNN). ONNX Runtime: npm's onnxruntime-node, CPU provider, "
        "all graph optimizations, intra-op threads as above, model exported with `torch.onnx.export` (opset 13), "
        "timed in its own process between kiln's segments. Memory: kiln's activation arena against the most "
        "bytes LibTorch's allocator held in one forward. Max error: kiln's output against eager's, "
        "max |difference| / max |reference|.",
    ]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
