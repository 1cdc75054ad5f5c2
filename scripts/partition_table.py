"""Prints the partition table of the model zoo in Markdown: for each model, the seed partitioner's published
figures beside kiln's pattern baseline and dnnfusion plan (blocks, single-op blocks, ops per block, traffic
reduction against the unfused graph).

usage: /usr/bin/python3 scripts/partition_table.py [BUILD_DIR]   (default: build)
"""
import json
import os
import subprocess
import sys

# shared/notes/seed-partitioner-metrics.md: (blocks, traffic reduction) as published by the seed tool.
SEED = {
    "lenet5": None,
    "resnet18": (32, "19.6%"),
    "resnet34": (56, "~21%"),
    "resnet50": (73, "24.2%"),
    "mobilenet_v2": (66, "42.0%"),
    "efficientnet_b0": (71, "46.4%"),
}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    kiln = os.path.join(build, "tools", "kiln")
    print("| model | ops | seed blocks | seed reduction | pattern blocks | pattern reduction "
          "| dnnfusion blocks (single-op) | ops/block | dnnfusion reduction |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model, seed in SEED.items():
        path = os.path.join(build, "zoo", model + "_traced.pt")
        report = json.loads(subprocess.run([kiln, "partition", path, "--strategy", "all", "--format", "json"],
                                           check=True, capture_output=True, text=True).stdout)
        plans = {p["strategy"]: p["summary"] for p in report["plans"]}
        pattern, dnn = plans["pattern"], plans["dnnfusion"]
        seed_blocks, seed_reduction = seed if seed else ("-", "-")
        print(f"| {model} | {dnn['ops']} | {seed_blocks} | {seed_reduction} | {pattern['blocks']} "
              f"| {100 * pattern['traffic_reduction']:.1f}% | {dnn['blocks']} ({dnn['single_op_blocks']}) "
              f"| {dnn['ops_per_block']:.2f} | {100 * dnn['traffic_reduction']:.1f}% |")


if __name__ == "__main__":
    main()
