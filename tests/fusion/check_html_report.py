"""Renders kiln's HTML partition report in headless Chromium and checks what the page shows against the JSON
report of the same model: the script ran, every plan has one table row and one graph cluster per block, one
row per boundary, and the comparison and definition tables are filled in.

usage: check_html_report.py KILN MODEL.pt WORKDIR
"""
import html.parser
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import headless_chromium  # noqa: E402


class PageCounter(html.parser.HTMLParser):
    """Counts rows per table id and SVG clusters per graph div in a rendered DOM."""

    def __init__(self):
        super().__init__()
        self.rendered = False
        self.table = None
        self.graph = None
        self.rows = {}
        self.clusters = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body" and a.get("data-rendered") == "yes":
            self.rendered = True
        if tag == "table":
            self.table = a.get("id")
            self.rows[self.table] = 0
        if tag == "tr" and self.table:
            self.rows[self.table] += 1
        if tag == "div" and a.get("class") == "graph":
            self.graph = a.get("id")
            self.clusters[self.graph] = 0
        if tag == "g" and a.get("class") == "cluster" and self.graph:
            self.clusters[self.graph] += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        if tag == "div":
            self.graph = None


def main():
    kiln, model, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    page = os.path.join(workdir, "report.html")
    subprocess.run([kiln, "partition", model, "--strategy", "all", "--format", "html", "-o", page], check=True)
    report = json.loads(subprocess.run([kiln, "partition", model, "--strategy", "all", "--format", "json"],
                                       check=True, capture_output=True, text=True).stdout)
    dom = headless_chromium.dump_dom(page, workdir)
    counter = PageCounter()
    counter.feed(dom)

    assert counter.rendered, "the page's script did not finish (body lacks data-rendered=yes)"
    plans = report["plans"]
    assert counter.rows["compare"] == 1 + 10, counter.rows["compare"]  # header + metrics
    for i, plan in enumerate(plans):
        blocks = len(plan["blocks"])
        assert counter.rows[f"blocks-{i}"] == 1 + blocks, (plan["strategy"], counter.rows[f"blocks-{i}"], blocks)
        assert counter.clusters[f"graph-{i}"] == blocks, (plan["strategy"], counter.clusters[f"graph-{i}"], blocks)
        assert counter.rows[f"boundaries-{i}"] == 1 + len(plan["boundaries"]), plan["strategy"]
        assert counter.rows[f"summary-{i}"] == 2, plan["strategy"]
    assert counter.rows["definitions"] == 1 + len(report["definitions"])
    print("html ok: " + ", ".join(f'{p["strategy"]} {len(p["blocks"])} blocks' for p in plans))


if __name__ == "__main__":
    main()
