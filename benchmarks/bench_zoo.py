"""Benchmarks kiln on the model zoo and writes a Markdown table: compile time, end-to-end latency of the
artifact against LibTorch eager and LibTorch frozen+optimize_for_inference (one process, same inputs, same
threads, interleaved runs, medians), and activation memory. The machine and settings head the table.

usage: /usr/bin/python3 benchmarks/bench_zoo.py [--build build] [--threads N] [--runs N] [--out FILE.md] [MODEL ...]
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

ZOO = ["lenet5", "resnet18", "resnet34", "resnet50", "mobilenet_v2", "efficientnet_b0"]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


def compile_model(kiln, model_path, artifact):
    out = run([kiln, "compile", model_path, "-o", artifact])
    total = float(re.search(r"in ([0-9.]+) s", out).group(1))
    phases = dict((name, float(sec)) for name, sec in re.findall(r"(\w+) ([0-9.]+) s", out.split("time:")[1]))
    blocks = int(re.search(r": (\d+) blocks", out).group(1))
    return total, phases, blocks


def mib(n):
    return f"{n / 1048576:.1f} MiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", default="benchmarks/results.md")
    parser.add_argument("models", nargs="*", default=ZOO)
    args = parser.parse_args()
    kiln = os.path.join(args.build, "tools", "kiln")
    machine = run([kiln, "machine"]).strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()

    rows = []
    for model in args.models:
        model_path = os.path.join(args.build, "zoo", model + "_traced.pt")
        artifact = os.path.join(args.build, "bench", model + ".kiln")
        print(f"{model}: compiling", file=sys.stderr)
        total, phases, blocks = compile_model(kiln, model_path, artifact)
        print(f"{model}: benchmarking", file=sys.stderr)
        result_file = artifact + ".bench.json"
        run([kiln, "bench", model_path, artifact, "--threads", str(args.threads), "--runs", str(args.runs),
             "--json", result_file])
        bench = json.load(open(result_file))
        kiln_c, eager, optimized = bench["contenders"]
        rows.append(
            f"| {model} | {blocks} | {total:.1f} ({phases.get('codegen', 0):.1f}) | "
            f"{kiln_c['median_seconds'] * 1e3:.2f} | {eager['median_seconds'] * 1e3:.2f} | "
            f"{optimized['median_seconds'] * 1e3:.2f} | {eager['kiln_speedup']:.2f}x | "
            f"{optimized['kiln_speedup']:.2f}x | {mib(kiln_c['memory_bytes'])} | {mib(eager['memory_bytes'])} | "
            f"{mib(optimized['memory_bytes'])} | {bench['max_scaled_error']:.1e} |")

    lines = [
        f"Measured {datetime.date.today()} at kiln {commit} with `/usr/bin/python3 benchmarks/bench_zoo.py "
        f"--threads {args.threads} --runs {args.runs}`: {args.threads} threads for every contender, "
        f"{args.runs} interleaved rounds after 3 warm-up rounds, medians; traced models, batch 1, default input "
        "shapes; `kiln compile` with its defaults (dnnfusion, default schedule, host target).",
        "",
        "```",
        machine,
        "```",
        "",
        "| model | blocks | compile s (codegen) | kiln ms | LibTorch eager ms | LibTorch optimized ms "
        "| speedup vs eager | speedup vs optimized | kiln arena | eager peak | optimized peak | max error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Speedup = LibTorch median / kiln median (above 1: kiln is faster). LibTorch optimized = "
        "`torch.jit.optimize_for_inference` (frozen, oneDNN). Memory: kiln's activation arena against the most "
        "bytes LibTorch's allocator held in one forward. Max error: kiln's output against eager's, "
        "max |difference| / max |reference|.",
    ]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
