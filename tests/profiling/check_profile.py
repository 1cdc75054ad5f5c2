"""Checks `kiln profile` on a compiled artifact: the numbers are consistent (every block is there with the
manifest's FLOPs and bytes; the blocks' times in a run add up to within 5% of the run, both as medians), the JSON and the
Chrome trace parse and carry every block, and the HTML page renders in headless Chromium with one roofline
point per block that has FLOPs and one table row per block.

usage: check_profile.py KILN ARTIFACT MODEL.pt WORKDIR
"""
import html.parser
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import headless_chromium  # noqa: E402

RUNS = 30


class PageCounter(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.points = 0
        self.rows = 0
        self.roofs = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "")
        self.points += tag == "circle" and classes == "block"
        self.rows += tag == "tr" and classes == "block-row"
        self.roofs += tag == "polyline" and classes == "roof"


def main():
    kiln, artifact, model, workdir = sys.argv[1:5]
    os.makedirs(workdir, exist_ok=True)
    prefix = os.path.join(workdir, "profile")
    text = subprocess.run([kiln, "profile", artifact, model, "--runs", str(RUNS), "--warmup", "3", "-o", prefix],
                          check=True, capture_output=True, text=True).stdout
    print(text)
    manifest = json.load(open(os.path.join(artifact, "manifest.json")))
    profile = json.load(open(prefix + ".json"))
    trace = json.load(open(prefix + ".trace.json"))

    blocks = {b["id"]: b for b in manifest["blocks"]}
    profiled = {b["id"]: b for b in profile["blocks"]}
    assert profiled.keys() == blocks.keys(), (sorted(profiled), sorted(blocks))
    for block_id, block in blocks.items():
        p = profiled[block_id]
        assert p["flops"] == block["flops"] and p["bytes"] == block["traffic_bytes"], block_id
        assert p["ops"] == [op["kind"] for op in block["ops"]], block_id
        assert p["median_seconds"] > 0 and p["p90_seconds"] >= p["median_seconds"], block_id
        assert p["libtorch_seconds"] > 0 and p["libtorch_ops"], block_id
    share = profile["block_seconds_per_run"] / profile["run_median_seconds"]
    assert 0.95 <= share <= 1.05, f"blocks add up to {share:.3f} of the run"
    launch = profile["launch_seconds_per_block"]
    assert 0 < launch < profile["run_median_seconds"] / len(blocks), launch
    assert "block launch: " in text and f"{len(blocks)} blocks: " in text, text

    events = [e for e in trace["traceEvents"] if e.get("cat") == "block"]
    assert len(events) == RUNS * len(blocks), (len(events), RUNS, len(blocks))
    for event in events:
        block = blocks[event["args"]["block"]]
        assert event["ph"] == "X" and event["dur"] >= 0
        assert event["args"]["ops"] == [op["kind"] for op in block["ops"]]
    assert {e["args"]["block"] for e in events} == blocks.keys()

    page = prefix + ".html"
    counter = PageCounter()
    counter.feed(headless_chromium.dump_dom(page, workdir))
    with_flops = sum(1 for b in profile["blocks"] if b["flops"] > 0 and b["bytes"] > 0)
    assert counter.points == with_flops, (counter.points, with_flops)
    assert counter.rows == len(blocks) and counter.roofs == 1, (counter.rows, counter.roofs)
    png_bytes = headless_chromium.screenshot(page, workdir, os.path.join(workdir, "profile.png"))
    assert png_bytes > 20000, f"the screenshot is nearly empty ({png_bytes} bytes)"
    print(f"profile ok: {len(blocks)} blocks, blocks add up to {100 * share:.1f}% of the run, "
          f"{1e6 * launch:.1f} us per block launch, "
          f"{len(events)} trace events, {counter.points} roofline points")


if __name__ == "__main__":
    main()
