#include "profiling/profile_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "ir/html.h"

namespace kiln::profiling {

namespace {

double ms(double seconds) {
  return seconds * 1e3;
}

// Block indices, slowest first.
std::vector<size_t> byTime(const ModelProfile& profile) {
  std::vector<size_t> order(profile.blocks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return profile.blocks[a].median_seconds > profile.blocks[b].median_seconds;
  });
  return order;
}

std::string shortened(const std::string& text, size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

std::string libtorchCell(const BlockProfile& block) {
  if (!block.libtorch_seconds) return "";
  const double ratio = block.median_seconds > 0 ? *block.libtorch_seconds / block.median_seconds : 0;
  return fmt::format("{:.3f} ({:.2f}x)", ms(*block.libtorch_seconds), ratio);
}

struct Totals {
  int64_t flops = 0, bytes = 0;
  double seconds = 0, libtorch_seconds = 0;
};

Totals totals(const ModelProfile& profile) {
  Totals t;
  for (const BlockProfile& b : profile.blocks) {
    t.flops += b.flops;
    t.bytes += b.bytes;
    t.seconds += b.median_seconds;
    t.libtorch_seconds += b.libtorch_seconds.value_or(0);
  }
  return t;
}

std::string headerText(const ModelProfile& p) {
  return fmt::format(
      "kiln profile: {} ({})\n  target {}\n  {} runs after {} warm-up, {} threads; roofline {:.1f} GFLOP/s, "
      "{:.1f} GB/s ({})\n",
      p.model, p.artifact, p.halide_target, p.runs, p.warmup, p.threads, p.peak_flops / 1e9,
      p.machine.bandwidth / 1e9, p.machine.source);
}

std::string summaryText(const ModelProfile& p) {
  const double per_run = p.blockTimePerRun();
  std::string text = fmt::format(
      "end to end: median {:.3f} ms, p90 {:.3f} ms; the blocks take {:.3f} ms of a run (median), {:.1f}% of "
      "it\n",
      ms(p.run_median_seconds), ms(p.run_p90_seconds), ms(per_run), 100 * per_run / p.run_median_seconds);
  if (p.launch_seconds) {
    const double launches = *p.launch_seconds * static_cast<double>(p.blocks.size());
    text += fmt::format(
        "block launch: {:.1f} us a call (a block with no work, its rows parallel on {} threads, called back "
        "to "
        "back as a model's blocks are); {} blocks: {:.3f} ms, "
        "{:.1f}% of the run\n",
        *p.launch_seconds * 1e6, p.threads, p.blocks.size(), ms(launches),
        100 * launches / p.run_median_seconds);
  }
  if (p.libtorch)
    text += fmt::format(
        "LibTorch, {} threads: the same ops through ATen under its profiler {:.3f} ms; the TorchScript "
        "module's "
        "forward {:.3f} ms; kiln is {:.2f}x the module's speed\n",
        p.threads, ms(p.libtorch->ops_seconds), ms(p.libtorch->module_seconds),
        p.libtorch->module_seconds / p.run_median_seconds);
  return text;
}

// Colours for the most time-consuming patterns; the rest share grey.
std::map<std::string, std::string> patternColours(const ModelProfile& profile) {
  static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  std::map<std::string, double> time_by_pattern;
  for (const BlockProfile& b : profile.blocks) time_by_pattern[b.pattern] += b.median_seconds;
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& [pattern, seconds] : time_by_pattern) ranked.emplace_back(-seconds, pattern);
  std::sort(ranked.begin(), ranked.end());
  std::map<std::string, std::string> colours;
  for (size_t i = 0; i < ranked.size(); ++i) colours[ranked[i].second] = i < 9 ? palette[i] : "#bbbbbb";
  return colours;
}

// Log-log axes from `lo` to `hi` (powers of ten) mapped onto [0, pixels].
struct LogAxis {
  double lo, hi, pixels;
  double at(double v) const {
    return pixels * (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  }
};

LogAxis axisCovering(double smallest, double largest, double pixels) {
  return {std::pow(10.0, std::floor(std::log10(smallest))), std::pow(10.0, std::ceil(std::log10(largest))),
          pixels};
}

// A block needs FLOPs, bytes and time to have a place on log-log axes.
bool onRoofline(const BlockProfile& b) {
  return b.flops > 0 && b.bytes > 0 && b.median_seconds > 0;
}

std::string rooflineSvg(const ModelProfile& p, const std::map<std::string, std::string>& colours) {
  const double width = 640, height = 400, left = 60, bottom = 40;
  const double ridge = p.peak_flops / p.machine.bandwidth;
  double min_x = ridge, max_x = ridge, min_y = p.peak_flops / 1e9, max_y = p.peak_flops / 1e9;
  for (const BlockProfile& b : p.blocks) {
    if (!onRoofline(b)) continue;
    min_x = std::min(min_x, b.intensity());
    max_x = std::max(max_x, b.intensity());
    min_y = std::min(min_y, b.gflops());
    max_y = std::max(max_y, b.gflops());
  }
  const LogAxis x = axisCovering(min_x, max_x * 1.01, width), y = axisCovering(min_y, max_y * 1.01, height);
  auto px = [&](double v) { return left + x.at(v); };
  auto py = [&](double v) { return height - y.at(v) + 10; };
  std::string svg = fmt::format(
      "<svg id=\"roofline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\n"
      "<rect x=\"{}\" y=\"10\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n",
      width + left + 20, height + bottom + 20, left, width, height);
  for (double v = x.lo; v <= x.hi * 1.001; v *= 10)
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"middle\">{:g}</text>\n",
                    px(v), height + 26, v);
  for (double v = y.lo; v <= y.hi * 1.001; v *= 10)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{:g}</text>\n",
                       left - 4, py(v) + 4, v);
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">arithmetic intensity "
      "(FLOP/byte)</text>\n<text x=\"14\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 14 {:.1f})\">GFLOP/s</text>\n",
      left + width / 2, height + 46, height / 2, height / 2);
  // The roofline: bandwidth-bound up to the ridge point, then the FLOP peak.
  const double peak_g = p.peak_flops / 1e9, bw_g = p.machine.bandwidth / 1e9;
  const double start_x = std::max(x.lo, y.lo / bw_g);
  svg += fmt::format(
      "<polyline class=\"roof\" fill=\"none\" stroke=\"#444\" stroke-width=\"2\" "
      "points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"/>\n",
      px(start_x), py(start_x * bw_g), px(ridge), py(peak_g), px(x.hi), py(peak_g));
  for (const BlockProfile& b : p.blocks) {
    if (!onRoofline(b)) continue;
    const double share = b.median_seconds / p.blockMedianSum();
    svg += fmt::format(
        "<circle class=\"block\" data-block=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\" "
        "fill-opacity=\"0.75\"><title>block {}: {}\n{:.3f} ms, {:.1f} GFLOP/s, {:.1f}% of roofline</title>"
        "</circle>\n",
        b.id, px(b.intensity()), py(b.gflops()), 3 + 12 * std::sqrt(share), colours.at(b.pattern), b.id,
        escapeHtml(b.pattern), ms(b.median_seconds), b.gflops(), 100 * b.rooflineFraction());
  }
  return svg + "</svg>\n";
}

const char* kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
.row { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #f0f0f0; } td.text { text-align: left; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
pre { background: #f7f7f7; padding: 1em; font-size: 12px; }
)";

std::string htmlTable(const ModelProfile& p, const std::map<std::string, std::string>& colours) {
  std::string rows;
  for (size_t i : byTime(p)) {
    const BlockProfile& b = p.blocks[i];
    rows += fmt::format(
        "<tr class=\"block-row\"><td>{}</td><td class=\"text\"><span class=\"swatch\" "
        "style=\"background:{}\">"
        "</span>{}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        b.id, colours.at(b.pattern), escapeHtml(b.pattern), ms(b.median_seconds), ms(b.p90_seconds),
        b.gflops(), b.gbs(), 100 * b.rooflineFraction(), b.memory_bound ? "memory" : "compute",
        libtorchCell(b));
  }
  return "<table><tr><th>block</th><th>pattern</th><th>median ms</th><th>p90 ms</th><th>GFLOP/s</th>"
         "<th>GB/s</th><th>% roofline</th><th>bound</th><th>LibTorch ms (ratio)</th></tr>\n" +
         rows + "</table>\n";
}

}  // namespace

std::string profileText(const ModelProfile& p) {
  std::string text = headerText(p) + "\n";
  text += fmt::format("{:>5}  {:<40} {:>9} {:>9} {:>6} {:>8} {:>7} {:>9} {:>7}  {}\n", "block", "pattern",
                      "median ms", "p90 ms", "time%", "GFLOP/s", "GB/s", "roofline%", "bound",
                      p.libtorch ? "LibTorch ms (LibTorch/kiln)" : "");
  const Totals t = totals(p);
  for (size_t i : byTime(p)) {
    const BlockProfile& b = p.blocks[i];
    text += fmt::format("{:>5}  {:<40} {:>9.3f} {:>9.3f} {:>6.1f} {:>8.1f} {:>7.1f} {:>9.1f} {:>7}  {}\n",
                        b.id, shortened(b.pattern, 40), ms(b.median_seconds), ms(b.p90_seconds),
                        100 * b.median_seconds / t.seconds, b.gflops(), b.gbs(), 100 * b.rooflineFraction(),
                        b.memory_bound ? "memory" : "compute", libtorchCell(b));
  }
  text += fmt::format(
      "{:>5}  {:<40} {:>9.3f} {:>9} {:>6} {:>8.1f} {:>7.1f} {:>9} {:>7}  {}\n", "total",
      fmt::format("{} blocks", p.blocks.size()), ms(t.seconds), "", "", t.flops / t.seconds / 1e9,
      t.bytes / t.seconds / 1e9, "", "",
      p.libtorch ? fmt::format("{:.3f} ({:.2f}x)", ms(t.libtorch_seconds), t.libtorch_seconds / t.seconds)
                 : "");
  text += "\n" + summaryText(p);
  if (!p.halide_profile.empty())
    text += "\nHalide's profiler, per Func (all runs, warm-up included):\n" + p.halide_profile;
  return text;
}

nlohmann::json profileJson(const ModelProfile& p) {
  nlohmann::json blocks = nlohmann::json::array();
  for (const BlockProfile& b : p.blocks) {
    nlohmann::json block = {{"id", b.id},
                            {"function", b.function},
                            {"pattern", b.pattern},
                            {"mapping", b.mapping},
                            {"ops", b.ops},
                            {"op_indices", b.op_indices},
                            {"flops", b.flops},
                            {"bytes", b.bytes},
                            {"median_seconds", b.median_seconds},
                            {"p90_seconds", b.p90_seconds},
                            {"gflops", b.gflops()},
                            {"gbs", b.gbs()},
                            {"bound_seconds", b.bound_seconds},
                            {"roofline_fraction", b.rooflineFraction()},
                            {"bound", b.memory_bound ? "memory" : "compute"}};
    if (b.libtorch_seconds) {
      block["libtorch_seconds"] = *b.libtorch_seconds;
      block["libtorch_ops"] = b.libtorch_ops;
    }
    blocks.push_back(block);
  }
  nlohmann::json j = {{"model", p.model},
                      {"artifact", p.artifact},
                      {"halide_target", p.halide_target},
                      {"threads", p.threads},
                      {"runs", p.runs},
                      {"warmup", p.warmup},
                      {"machine",
                       {{"identity", p.machine.identity},
                        {"peak_flops", p.peak_flops},
                        {"bandwidth", p.machine.bandwidth},
                        {"source", p.machine.source}}},
                      {"run_median_seconds", p.run_median_seconds},
                      {"run_p90_seconds", p.run_p90_seconds},
                      {"block_median_sum_seconds", p.blockMedianSum()},
                      {"block_seconds_per_run", p.blockTimePerRun()},
                      {"blocks", blocks}};
  if (p.libtorch)
    j["libtorch"] = {{"ops_seconds", p.libtorch->ops_seconds},
                     {"module_seconds", p.libtorch->module_seconds}};
  if (!p.halide_profile.empty()) j["halide_profile"] = p.halide_profile;
  if (p.launch_seconds) j["launch_seconds_per_block"] = *p.launch_seconds;
  return j;
}

nlohmann::json chromeTrace(const ModelProfile& p) {
  nlohmann::json events = nlohmann::json::array();
  events.push_back(
      {{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "kiln " + p.model}}}});
  if (p.timeline.empty()) return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
  const int64_t origin = p.timeline.front().start_ns.empty() ? 0 : p.timeline.front().start_ns.front();
  for (size_t run = 0; run < p.timeline.size(); ++run) {
    const runtime::BlockTimes& times = p.timeline[run];
    for (size_t b = 0; b < p.blocks.size(); ++b) {
      const BlockProfile& block = p.blocks[b];
      events.push_back({{"name", block.pattern},
                        {"cat", "block"},
                        {"ph", "X"},
                        {"pid", 1},
                        {"tid", 1},
                        {"ts", (times.start_ns[b] - origin) / 1e3},
                        {"dur", (times.end_ns[b] - times.start_ns[b]) / 1e3},
                        {"args",
                         {{"block", block.id},
                          {"run", run},
                          {"ops", block.ops},
                          {"flops", block.flops},
                          {"bytes", block.bytes}}}});
    }
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

std::string profileHtml(const ModelProfile& p) {
  const auto colours = patternColours(p);
  const std::string title = "kiln profile: " + p.model;
  return fmt::format(
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}</style>\n"
      "</head>\n<body>\n<h1>{}</h1>\n<pre>{}</pre>\n<div class=\"row\">\n<div>\n<h2>Roofline</h2>\n{}"
      "<p>Each point is a block at its median time; its area is its share of the run. Blocks without FLOPs "
      "are not plotted.</p>\n</div>\n<div>\n<h2>Blocks, slowest first</h2>\n{}</div>\n</div>\n</body>\n"
      "</html>\n",
      escapeHtml(title), kStyle, escapeHtml(title), escapeHtml(headerText(p) + summaryText(p)),
      rooflineSvg(p, colours), htmlTable(p, colours));
}

}  // namespace kiln::profiling
