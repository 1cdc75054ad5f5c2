// The HTML report: one self-contained page (no network, no external files). The plan data travel inside it as
// the JSON report; a short script builds the tables from that data and links each block's row to its cluster
// in the Graphviz SVG, so the page shows exactly what `--format json` says.
#include <fmt/format.h>

#include "fusion/reports.h"
#include "ir/html.h"

namespace kiln::fusion {

namespace {

// Graphviz output begins with an XML prolog and a DOCTYPE that do not belong inside an HTML body.
std::string inlineSvg(const std::string& svg) {
  size_t start = svg.find("<svg");
  return start == std::string::npos ? std::string() : svg.substr(start);
}

const char* kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f0f0f0; } td.text { text-align: left; }
tr.memory-bound td.bound { background: #fde2e1; } tr.balanced td.bound { background: #fff4cc; }
tr.compute-bound td.bound { background: #dff3e3; } tr.selected { outline: 2px solid #2a6fdb; }
.graph { overflow: auto; max-height: 80vh; border: 1px solid #ddd; margin-bottom: 1em; }
.graph g.cluster { cursor: pointer; }
)";

const char* kScript = R"(
const report = JSON.parse(document.getElementById('kiln-report').textContent);
const mib = b => (b / 1048576).toFixed(2) + ' MiB';
const pct = x => (100 * x).toFixed(1) + '%';
const si = x => x >= 1e9 ? (x / 1e9).toFixed(2) + ' G' : x >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : x >= 1e3 ? (x / 1e3).toFixed(2) + ' K' : String(x);
function fill(table, header, rows, rowClass) {
  const head = table.createTHead().insertRow();
  header.forEach(h => { const th = document.createElement('th'); th.textContent = h; head.appendChild(th); });
  const body = table.createTBody();
  rows.forEach((cells, i) => {
    const tr = body.insertRow();
    if (rowClass) tr.className = rowClass(i);
    cells.forEach(c => { const td = tr.insertCell(); td.textContent = c.v; if (c.cls) td.className = c.cls; });
  });
}
const t = v => ({ v: v, cls: 'text' }), n = v => ({ v: v });
if (report.plans.length > 1) {
  const rows = [['blocks', s => s.blocks], ['single-op blocks', s => s.single_op_blocks],
    ['coverage (blocks)', s => pct(s.block_coverage)], ['coverage (ops)', s => pct(s.op_coverage)],
    ['ops/block', s => s.ops_per_block.toFixed(2)], ['traffic', s => mib(s.traffic_bytes)],
    ['internal', s => mib(s.internal_bytes)], ['traffic reduction', s => pct(s.traffic_reduction)],
    ['AI (FLOP/B)', s => s.intensity.toFixed(1)], ['est (us)', s => (s.estimated_seconds * 1e6).toFixed(1)]];
  fill(document.getElementById('compare'), ['metric'].concat(report.plans.map(p => p.strategy)),
       rows.map(([name, f]) => [t(name)].concat(report.plans.map(p => n(f(p.summary))))));
}
report.plans.forEach((plan, i) => {
  const s = plan.summary;
  fill(document.getElementById('summary-' + i), ['ops', 'blocks', 'single-op', 'coverage (blocks)',
       'coverage (ops)', 'ops/block', 'FLOPs', 'traffic', 'internal', 'reduction', 'AI', 'est (us)'],
       [[n(s.ops), n(s.blocks), n(s.single_op_blocks), n(pct(s.block_coverage)), n(pct(s.op_coverage)),
         n(s.ops_per_block.toFixed(2)), n(si(s.flops)), n(mib(s.traffic_bytes)), n(mib(s.internal_bytes)),
         n(pct(s.traffic_reduction)), n(s.intensity.toFixed(1)), n((s.estimated_seconds * 1e6).toFixed(1))]]);
  fill(document.getElementById('blocks-' + i), ['block', 'ops', 'pattern', 'mapping', 'FLOPs', 'traffic',
       'internal', 'AI', 'bound', 'est (us)', 'fused by cost model'],
       plan.blocks.map(b => [n(b.id), n(b.ops.length), t(b.pattern), t(b.mapping), n(si(b.flops)),
         n(mib(b.traffic_bytes)), n(mib(b.internal_bytes)), n(b.intensity.toFixed(1)), { v: b.bound, cls: 'bound text' },
         n((b.estimate.seconds * 1e6).toFixed(1)), t(b.notes.join('; '))]),
       k => 'block-row ' + plan.blocks[k].bound);
  fill(document.getElementById('boundaries-' + i), ['value', 'from block', 'to block', 'edge', 'why', 'reason'],
       plan.boundaries.map(b => [t('%' + b.value), n(b.from_block), n(b.to_block),
         t(report.ops[b.producer_op].kind + ' -> ' + report.ops[b.consumer_op].kind), t(b.kind), t(b.reason)]),
       () => 'boundary-row');
  fill(document.getElementById('patterns-' + i), ['blocks', 'ops', 'traffic', 'internal', 'pattern'],
       plan.patterns.map(p => [n(p.blocks), n(p.ops), n(mib(p.traffic_bytes)), n(mib(p.internal_bytes)), t(p.pattern)]));
  const rows = document.querySelectorAll('#blocks-' + i + ' tr.block-row');
  document.querySelectorAll('#graph-' + i + ' g.cluster').forEach(cluster => {
    const id = Number((cluster.id || '').replace('block', ''));
    cluster.addEventListener('click', () => {
      rows.forEach(r => r.classList.remove('selected'));
      if (rows[id]) { rows[id].classList.add('selected'); rows[id].scrollIntoView({ block: 'center' }); }
    });
  });
});
fill(document.getElementById('definitions'), ['metric', 'definition'],
     Object.entries(report.definitions).map(([k, v]) => [t(k), t(v)]));
document.body.dataset.rendered = 'yes';
)";

}  // namespace

std::string htmlReport(const PartitionReport& report, const std::vector<std::string>& svgs) {
  std::string title = fmt::format("kiln partition: {}", report.model);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
      escapeHtml(title), kStyle, escapeHtml(title));
  out += fmt::format(
      "<p>{} ops after the canonical passes. Roofline: {:.0f} GFLOP/s, {:.1f} GB/s, ridge {:.1f} "
      "FLOP/B. Click a block in a graph to find its row.</p>\n",
      report.graph.ops().size(), report.machine.peak_flops / 1e9, report.machine.bandwidth / 1e9,
      report.machine.ridgeFlopsPerByte());
  if (report.plans.size() > 1) out += "<h2>Strategies compared</h2>\n<table id=\"compare\"></table>\n";
  for (size_t i = 0; i < report.plans.size(); ++i) {
    out += fmt::format(
        "<section id=\"plan-{0}\">\n<h2>Strategy {1}</h2>\n<table id=\"summary-{0}\"></table>\n"
        "<div class=\"graph\" id=\"graph-{0}\">{2}</div>\n<h3>Blocks</h3>\n"
        "<table id=\"blocks-{0}\"></table>\n<h3>Boundaries: why fusion stopped</h3>\n"
        "<table id=\"boundaries-{0}\"></table>\n<h3>Patterns</h3>\n<table id=\"patterns-{0}\"></table>\n"
        "</section>\n",
        i, escapeHtml(report.plans[i].strategy), i < svgs.size() ? inlineSvg(svgs[i]) : "");
  }
  out += "<h2>Definitions</h2>\n<table id=\"definitions\"></table>\n";
  out += fmt::format("<script type=\"application/json\" id=\"kiln-report\">{}</script>\n",
                     scriptSafe(jsonReport(report).dump()));
  out += fmt::format("<script>{}</script>\n</body>\n</html>\n", kScript);
  return out;
}

}  // namespace kiln::fusion
