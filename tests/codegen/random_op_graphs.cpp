#include "random_op_graphs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "codegen/lowering.h"
#include "codegen_test_support.h"
#include "frontend/aten_tensors.h"
#include "ir/error.h"
#include "ir/op_registry.h"
#include "ir/printer.h"

namespace kiln::testing {
namespace {

using ir::Attributes;
using ir::Shape;
using ir::ValueId;

// fp32 against fp32 ATen: sums in another order, exp and erf approximations.
constexpr double kOpTolerance = 2e-5;

class RandomOps {
 public:
  RandomOps(ir::Graph& graph, uint32_t seed) : graph_(graph), rng_(seed) {}

  int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool coin() { return pick(0, 1) == 1; }

  Shape shape(int rank, int64_t lo = 1, int64_t hi = 9) {
    Shape s;
    for (int d = 0; d < rank; ++d) s.push_back(pick(lo, hi));
    return s;
  }
  // A graph input; with `positive`, named so that randomInputs draws it from [0.25, 2.25) (logarithms,
  // roots, reciprocals).
  ValueId input(const Shape& s, bool positive = false) {
    return graph_.addInput((positive ? kPositiveInputPrefix : "x") + std::to_string(next_++),
                           {ir::DType::Float32, s});
  }
  // Whole-number float input (randomInputs), bool input, int64 indices in [0, below).
  ValueId integral(const Shape& s) {
    return graph_.addInput(kIntegralInputPrefix + std::to_string(next_++), {ir::DType::Float32, s});
  }
  ValueId mask(const Shape& s) {
    return graph_.addInput("m" + std::to_string(next_++), {ir::DType::Bool, s});
  }
  ValueId indices(const Shape& s, int64_t below) {
    return graph_.addInput(kIndicesInputPrefix + std::to_string(below) + "_" + std::to_string(next_++),
                           {ir::DType::Int64, s});
  }
  // A constant of random values; positive ones where the op needs them (variances).
  ValueId constant(const Shape& s, bool positive = false) {
    int64_t n = 1;
    for (int64_t d : s) n *= d;
    std::vector<float> data(n);
    std::normal_distribution<float> normal;
    for (float& x : data) x = positive ? 0.5f + std::abs(normal(rng_)) : normal(rng_);
    return graph_.addConstant("c" + std::to_string(next_++), ir::Tensor(s, std::move(data)));
  }
  void op(const std::string& kind, std::vector<ValueId> inputs, const Attributes& attrs = {}) {
    graph_.addOp(kind, std::move(inputs), attrs);
  }

 private:
  ir::Graph& graph_;
  std::mt19937 rng_;
  int next_ = 0;
};

using Generator = std::function<void(RandomOps&)>;

double pickOf(RandomOps& r, std::initializer_list<double> choices) {
  return *(choices.begin() + r.pick(0, static_cast<int64_t>(choices.size()) - 1));
}

Generator unary(const std::string& kind) {
  return [kind](RandomOps& r) {
    Attributes attrs;
    bool positive =
        kind == "log" || kind == "log1p" || kind == "sqrt" || kind == "rsqrt" || kind == "reciprocal";
    if (kind == "softplus") {
      attrs.set("beta", pickOf(r, {0.5, 1.0, 2.0}));
      attrs.set("threshold", pickOf(r, {1.0, 20.0}));
    }
    if (kind == "elu") {
      attrs.set("alpha", pickOf(r, {1.0, 0.5, 1.6732632423543772}));
      attrs.set("scale", pickOf(r, {1.0, 1.0507009873554805}));
      attrs.set("input_scale", pickOf(r, {1.0, 2.0}));
    }
    if (kind == "leaky_relu") attrs.set("negative_slope", pickOf(r, {0.01, 0.2}));
    if (kind == "pow") {
      const double exponent = pickOf(r, {2.0, 3.0, -1.0, -2.0, 0.5, 1.7});
      attrs.set("exponent", exponent);
      positive = exponent != std::round(exponent);
    }
    if (kind == "gelu") attrs.set("approximate", std::string(r.coin() ? "tanh" : "none"));
    if (kind == "hardtanh") {
      attrs.set("min_val", -0.5 - static_cast<double>(r.pick(0, 10)) / 10);
      attrs.set("max_val", 0.5 + static_cast<double>(r.pick(0, 10)) / 10);
    }
    if (kind == "dropout") attrs.set("p", 0.3);
    r.op(kind, {r.input(r.shape(static_cast<int>(r.pick(1, 4))), positive)}, attrs);
  };
}

// Two shapes that broadcast: one of lower or equal rank with some dimensions 1, in either order.
std::pair<Shape, Shape> broadcastingShapes(RandomOps& r) {
  Shape a = r.shape(static_cast<int>(r.pick(1, 4)));
  Shape b(a.begin() + r.pick(0, static_cast<int64_t>(a.size()) - 1), a.end());  // a suffix: broadcast rank
  for (int64_t& d : b)
    if (r.pick(0, 2) == 0) d = 1;
  if (r.coin()) std::swap(a, b);
  return {a, b};
}

Generator binary(const std::string& kind) {
  return [kind](RandomOps& r) {
    const auto [a, b] = broadcastingShapes(r);
    r.op(kind, {r.input(a), kind == "div" || r.coin() ? r.constant(b, kind == "div") : r.input(b)});
  };
}

// Whole-number operands half the time, so that equal elements occur.
Generator comparison(const std::string& kind) {
  return [kind](RandomOps& r) {
    const auto [a, b] = broadcastingShapes(r);
    if (r.coin())
      r.op(kind, {r.integral(a), r.integral(b)});
    else
      r.op(kind, {r.input(a), r.coin() ? r.constant(b) : r.input(b)});
  };
}

Generator logical(const std::string& kind) {
  return [kind](RandomOps& r) {
    const auto [a, b] = broadcastingShapes(r);
    if (kind == "logical_not")
      r.op(kind, {r.mask(a)});
    else
      r.op(kind, {r.mask(a), r.mask(b)});
  };
}

// The condition and the two values broadcast together; a value is sometimes a scalar constant (masked_fill).
void where(RandomOps& r) {
  const auto [a, b] = broadcastingShapes(r);
  const Shape c = r.coin() ? a : b;
  r.op("where", {r.mask(c), r.input(a), r.coin() ? r.constant({}) : r.input(b)});
}

// From each dtype to each: whole numbers (ties and zeros) and fractions for float sources.
void cast(RandomOps& r) {
  const Shape s = r.shape(static_cast<int>(r.pick(1, 4)));
  const char* dtypes[] = {"f32", "i64", "bool"};
  const int64_t from = r.pick(0, 2);
  const ValueId x = from == 0   ? (r.coin() ? r.integral(s) : r.input(s))
                    : from == 1 ? r.indices(s, 7)
                                : r.mask(s);
  r.op("cast", {x}, {{"dtype", std::string(dtypes[r.pick(0, 2)])}});
}

// Whole-number inputs half the time, so that the first-of-ties rule is exercised.
void argReduction(RandomOps& r, const char* kind) {
  const int rank = static_cast<int>(r.pick(1, 4));
  const Shape s = r.shape(rank);
  const int64_t dim = r.pick(-rank, rank - 1);
  r.op(kind, {r.coin() ? r.integral(s) : r.input(s)}, {{"dim", dim}, {"keepdim", r.coin()}});
}

// Standard normal inputs only: PyTorch's order of equal elements is unspecified.
void topk(RandomOps& r) {
  const int rank = static_cast<int>(r.pick(1, 3));
  const Shape s = r.shape(rank, 1, 12);
  const int64_t dim = r.pick(-rank, rank - 1);
  r.op("topk", {r.input(s)}, {{"k", r.pick(1, s[(dim + rank) % rank])}, {"dim", dim}, {"largest", r.coin()}});
}

void gather(RandomOps& r) {
  const int rank = static_cast<int>(r.pick(1, 4));
  const Shape x = r.shape(rank);
  const int64_t dim = r.pick(0, rank - 1);
  Shape index = x;
  for (int d = 0; d < rank; ++d) index[d] = d == dim ? r.pick(1, 9) : r.pick(1, x[d]);
  r.op("gather", {r.input(x), r.indices(index, x[dim])}, {{"dim", r.coin() ? dim : dim - rank}});
}

void embedding(RandomOps& r) {
  const Shape table{r.pick(1, 30), r.pick(1, 20)};
  r.op("embedding", {r.constant(table), r.indices(r.shape(static_cast<int>(r.pick(1, 3))), table[0])});
}

void conv2d(RandomOps& r) {
  const int64_t groups_choice = r.pick(0, 2);
  const int64_t in_per_group = r.pick(1, 6), out_per_group = r.pick(1, 20);
  const int64_t groups = groups_choice == 0 ? 1 : groups_choice == 1 ? 2 : r.pick(3, 12);
  const bool depthwise = groups_choice == 2;
  const int64_t cin = depthwise ? groups : in_per_group * groups;
  const int64_t cout = depthwise ? groups * r.pick(1, 2) : out_per_group * groups;
  const int64_t kh = r.pick(1, 5), kw = r.pick(1, 5);
  const Shape x{r.pick(1, 2), cin, r.pick(5, 17), r.pick(5, 17)};
  std::vector<ValueId> inputs{r.input(x), r.constant({cout, cin / groups, kh, kw})};
  if (r.coin()) inputs.push_back(r.constant({cout}));
  r.op("conv2d", inputs,
       {{"stride", std::vector<int64_t>{r.pick(1, 3), r.pick(1, 3)}},
        {"padding", std::vector<int64_t>{r.pick(0, kh / 2 + 1), r.pick(0, kw / 2 + 1)}},
        {"dilation", std::vector<int64_t>{r.pick(1, 2), r.pick(1, 2)}},
        {"groups", groups}});
}

void linear(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(1, 3)), 1, 40);
  const int64_t out = r.pick(1, 40);
  std::vector<ValueId> inputs{r.input(x), r.constant({out, x.back()})};
  if (r.coin()) inputs.push_back(r.constant({out}));
  r.op("linear", inputs);
}

void matmul(RandomOps& r) {
  const int64_t m = r.pick(1, 20), k = r.pick(1, 30), n = r.pick(1, 20);
  Shape a{m, k}, b{k, n};
  switch (r.pick(0, 3)) {
    case 0:
      a.insert(a.begin(), r.pick(2, 3));
      break;  // batched times matrix
    case 1:
      a = {k};
      break;  // vector times matrix
    case 2:
      b = {k};
      break;  // matrix times vector
    default:
      a.insert(a.begin(), 2);
      b.insert(b.begin(), {1});
      break;  // broadcast batch
  }
  r.op("matmul", {r.input(a), r.coin() ? r.constant(b) : r.input(b)});
}

Attributes window(RandomOps& r, bool dilation) {
  const int64_t kh = r.pick(1, 4), kw = r.pick(1, 4);
  Attributes attrs{{"kernel_size", std::vector<int64_t>{kh, kw}},
                   {"stride", std::vector<int64_t>{r.pick(1, 3), r.pick(1, 3)}},
                   {"padding", std::vector<int64_t>{r.pick(0, kh / 2), r.pick(0, kw / 2)}},
                   {"ceil_mode", r.coin()}};
  if (dilation) attrs.set("dilation", std::vector<int64_t>{r.pick(1, 2), r.pick(1, 2)});
  return attrs;
}

void maxPool2d(RandomOps& r) {
  r.op("max_pool2d", {r.input({r.pick(1, 2), r.pick(1, 20), r.pick(4, 15), r.pick(4, 15)})}, window(r, true));
}

void avgPool2d(RandomOps& r) {
  Attributes attrs = window(r, false);
  attrs.set("count_include_pad", r.coin());
  r.op("avg_pool2d", {r.input({r.pick(1, 2), r.pick(1, 20), r.pick(4, 15), r.pick(4, 15)})}, attrs);
}

void adaptivePool2d(RandomOps& r, const char* kind) {
  const Shape x{r.pick(1, 2), r.pick(1, 20), r.pick(1, 15), r.pick(1, 15)};
  r.op(kind, {r.input(x)}, {{"output_size", std::vector<int64_t>{r.pick(1, x[2]), r.pick(1, x[3])}}});
}

// mean, sum, amax or amin over a random non-empty set of dimensions.
void reduction(RandomOps& r, const char* kind) {
  const int rank = static_cast<int>(r.pick(1, 4));
  std::vector<int64_t> dims;
  for (int d = 0; d < rank; ++d)
    if (r.coin()) dims.push_back(r.coin() ? d : d - rank);
  if (dims.empty()) dims.push_back(rank - 1);
  r.op(kind, {r.input(r.shape(rank))}, {{"dims", dims}, {"keepdim", r.coin()}});
}

void batchNorm(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(2, 4)), 1, 20);
  const Shape c{x[1]};
  r.op("batch_norm", {r.input(x), r.constant(c), r.constant(c), r.constant(c), r.constant(c, true)},
       {{"eps", 1e-5}});
}

void layerNorm(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(2, 4)), 1, 20);
  const int normalized = static_cast<int>(r.pick(1, 2));
  Shape last(x.end() - normalized, x.end());
  std::vector<ValueId> inputs{r.input(x)};
  if (r.coin()) {
    inputs.push_back(r.constant(last));
    inputs.push_back(r.constant(last));
  }
  r.op("layer_norm", inputs, {{"normalized_shape", last}, {"eps", 1e-5}});
}

void softmax(RandomOps& r) {
  const int rank = static_cast<int>(r.pick(1, 4));
  r.op("softmax", {r.input(r.shape(rank, 1, 12))}, {{"dim", r.pick(-rank, rank - 1)}});
}

// Flattens ([a, -1] or [-1]), splits a dimension in two ([3, 6, 5] -> [3, 2, 3, 5], as a channel shuffle
// does), or lists the extents in reverse ([6, 4] -> [4, 6]: dimensions that are not each other's factors).
void reshape(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(1, 4)));
  std::vector<int64_t> shape;
  switch (r.pick(0, 2)) {
    case 0: {
      int64_t n = 1;
      for (int64_t d : x) n *= d;
      shape = r.coin() ? std::vector<int64_t>{x[0], -1} : std::vector<int64_t>{-1};
      if (x.size() == 1) shape = {1, n};
      break;
    }
    case 1: {
      const auto d = static_cast<size_t>(r.pick(0, static_cast<int64_t>(x.size()) - 1));
      x[d] = 2 * r.pick(1, 4);
      shape = x;
      shape[d] = 2;
      shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(d) + 1, x[d] / 2);
      break;
    }
    default:
      shape.assign(x.rbegin(), x.rend());
  }
  r.op("reshape", {r.input(x)}, {{"shape", shape}});
}

void permute(RandomOps& r) {
  const int rank = static_cast<int>(r.pick(2, 4));
  std::vector<int64_t> dims(rank);
  for (int d = 0; d < rank; ++d) dims[d] = d;
  for (int d = rank - 1; d > 0; --d) std::swap(dims[d], dims[r.pick(0, d)]);
  r.op("permute", {r.input(r.shape(rank))}, {{"dims", dims}});
}

void cat(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(1, 4)));
  const int dim = static_cast<int>(r.pick(0, static_cast<int64_t>(x.size()) - 1));
  std::vector<ValueId> parts;
  for (int64_t p = r.pick(2, 3); p > 0; --p) {
    x[dim] = r.pick(1, 6);
    parts.push_back(r.input(x));
  }
  r.op("cat", parts, {{"dim", static_cast<int64_t>(dim)}});
}

void split(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(1, 4)), 2, 9);
  const int dim = static_cast<int>(r.pick(0, static_cast<int64_t>(x.size()) - 1));
  const int64_t first = r.pick(1, x[dim] - 1);
  r.op("split", {r.input(x)},
       {{"dim", static_cast<int64_t>(dim)}, {"sizes", std::vector<int64_t>{first, x[dim] - first}}});
}

void slice(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(1, 4)), 1, 12);
  const int dim = static_cast<int>(r.pick(0, static_cast<int64_t>(x.size()) - 1));
  const int64_t start = r.pick(0, x[dim] - 1), end = r.pick(start + 1, x[dim]);
  r.op("slice", {r.input(x)},
       {{"dim", static_cast<int64_t>(dim)}, {"start", start}, {"end", end}, {"step", r.pick(1, 3)}});
}

// Every mode, with pads per dimension that the mode allows (negative ones crop in constant mode).
void pad(RandomOps& r) {
  const Shape x = r.shape(static_cast<int>(r.pick(1, 4)), 1, 9);
  const char* modes[] = {"constant", "reflect", "replicate", "circular"};
  const std::string mode = modes[r.pick(0, 3)];
  std::vector<int64_t> pads;
  for (int64_t size : x)
    for (int side = 0; side < 2; ++side) {
      const int64_t most = mode == "reflect" ? size - 1 : mode == "circular" ? size : 3;
      pads.push_back(r.pick(mode == "constant" ? -std::min<int64_t>(size - 1, 2) / 2 : 0, most));
    }
  r.op("pad", {r.input(x)}, {{"pads", pads}, {"mode", mode}, {"value", pickOf(r, {0.0, -1.5})}});
}

void flip(RandomOps& r) {
  const Shape x = r.shape(static_cast<int>(r.pick(1, 4)), 1, 12);
  std::vector<int64_t> dims;
  for (int d = 0; d < static_cast<int>(x.size()); ++d)
    if (r.coin()) dims.push_back(r.coin() ? d : d - static_cast<int>(x.size()));
  if (dims.empty()) dims.push_back(0);
  r.op("flip", {r.input(x)}, {{"dims", dims}});
}

// Some dimensions of size 1 repeated, sometimes with new leading ones.
void expand(RandomOps& r) {
  Shape x = r.shape(static_cast<int>(r.pick(1, 3)));
  Shape out = x;
  for (size_t d = 0; d < x.size(); ++d)
    if (r.coin()) x[d] = 1;
  if (r.coin()) out.insert(out.begin(), r.pick(2, 3));
  r.op("expand", {r.input(x)}, {{"shape", out}});
}

// Up- and down-sampling, by size or by scale factor, nearest or bilinear, with and without align_corners.
void resize(RandomOps& r) {
  const Shape x{r.pick(1, 2), r.pick(1, 5), r.pick(1, 9), r.pick(1, 9)};
  const bool bilinear = r.coin(), by_factor = r.coin();
  std::vector<double> scales{0.0, 0.0};
  std::vector<int64_t> size;
  for (int d = 0; d < 2; ++d) {
    scales[d] = by_factor ? pickOf(r, {0.5, 1.5, 2.0, 3.0}) : 0.0;
    size.push_back(by_factor ? std::max<int64_t>(1, static_cast<int64_t>(std::floor(x[2 + d] * scales[d])))
                             : r.pick(1, 17));
  }
  r.op("resize", {r.input(x)},
       {{"size", size},
        {"mode", std::string(bilinear ? "bilinear" : "nearest")},
        {"align_corners", bilinear && r.coin()},
        {"scales", scales}});
}

const std::map<std::string, Generator>& generators() {
  static const std::map<std::string, Generator> all = [] {
    std::map<std::string, Generator> g{{"conv2d", conv2d},
                                       {"linear", linear},
                                       {"matmul", matmul},
                                       {"max_pool2d", maxPool2d},
                                       {"avg_pool2d", avgPool2d},
                                       {"batch_norm", batchNorm},
                                       {"layer_norm", layerNorm},
                                       {"softmax", softmax},
                                       {"reshape", reshape},
                                       {"permute", permute},
                                       {"cat", cat},
                                       {"split", split},
                                       {"slice", slice},
                                       {"expand", expand},
                                       {"pad", pad},
                                       {"flip", flip},
                                       {"resize", resize},
                                       {"where", where},
                                       {"cast", cast},
                                       {"gather", gather},
                                       {"topk", topk},
                                       {"embedding", embedding}};
    for (const char* kind : {"relu",      "sigmoid",  "silu",       "tanh",        "gelu",  "hardsigmoid",
                             "hardswish", "hardtanh", "identity",   "dropout",     "abs",   "neg",
                             "exp",       "log",      "log1p",      "sqrt",        "rsqrt", "reciprocal",
                             "erf",       "sign",     "floor",      "ceil",        "round", "softplus",
                             "mish",      "elu",      "leaky_relu", "log_sigmoid", "pow",   "trunc"})
      g.emplace(kind, unary(kind));
    for (const char* kind : {"add", "sub", "mul", "div", "maximum", "minimum"}) g.emplace(kind, binary(kind));
    for (const char* kind : {"adaptive_avg_pool2d", "adaptive_max_pool2d"})
      g.emplace(kind, [kind](RandomOps& r) { adaptivePool2d(r, kind); });
    for (const char* kind : {"eq", "ne", "lt", "le", "gt", "ge"}) g.emplace(kind, comparison(kind));
    for (const char* kind : {"logical_and", "logical_or", "logical_xor", "logical_not"})
      g.emplace(kind, logical(kind));
    for (const char* kind : {"argmax", "argmin"})
      g.emplace(kind, [kind](RandomOps& r) { argReduction(r, kind); });
    for (const char* kind : {"mean", "sum", "amax", "amin"})
      g.emplace(kind, [kind](RandomOps& r) { reduction(r, kind); });
    return g;
  }();
  return all;
}

}  // namespace

ir::Graph randomInstances(const std::string& kind, uint32_t seed) {
  ir::Graph graph(kind);
  RandomOps random(graph, seed);
  for (int made = 0, tries = 0; made < kInstancesPerKind && tries < 1000; ++tries) {
    try {
      generators().at(kind)(random);
      ++made;
    } catch (const Error&) {
      // The draw broke a rule of the op (e.g. a window larger than the padded input): draw again.
    }
  }
  std::vector<ValueId> outputs;
  for (const ir::Op& op : graph.ops()) outputs.insert(outputs.end(), op.outputs.begin(), op.outputs.end());
  graph.setOutputs(outputs);
  return graph;
}

bool hasRandomGenerator(const std::string& kind) {
  return generators().count(kind) > 0;
}

std::vector<std::string> allKinds() {
  std::vector<std::string> kinds;
  for (const ir::OpDef& def : ir::OpRegistry::global().all()) kinds.push_back(def.kind);
  return kinds;
}

void expectKindMatchesATen(const std::string& kind, const std::vector<std::string>& targets) {
  const ir::Graph graph = randomInstances(kind, 1234);
  ASSERT_EQ(static_cast<int>(graph.ops().size()), kInstancesPerKind);
  const std::vector<at::Tensor> inputs = randomInputs(graph, 7);
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(graph).run(inputs);
  for (const std::string& target : targets) {
    ScratchDir dir(kind + "-" + target);
    std::vector<at::Tensor> actual;
    try {
      actual = validation::openArtifact(compileGraph(graph, "none", dir.path(), target), 0)->run(inputs);
    } catch (const std::exception& e) {
      FAIL() << kind << " on " << target << ": " << e.what() << "\nin\n" << ir::printGraph(graph);
    }
    for (size_t o = 0; o < actual.size(); ++o)
      EXPECT_LE(errorToScale(actual[o], expected[o]), kOpTolerance)
          << kind << " on " << target << ", output " << graph.value(graph.outputs()[o]).name << " of\n"
          << ir::printGraph(graph);
  }
}

void expectFoldMatchesATen(const std::string& kind) {
  const ir::OpDef& def = ir::OpRegistry::global().get(kind);
  if (!def.fold) GTEST_SKIP() << kind << " does not fold";
  const ir::Graph graph = randomInstances(kind, 4321);
  const auto values = frontend::ReferenceExecutor(graph).runAll(randomInputs(graph, 5));
  for (const ir::Op& op : graph.ops()) {
    std::vector<ir::Tensor> inputs;
    for (ValueId in : op.inputs) inputs.push_back(frontend::toIrTensor(values.at(in), "input"));
    const std::vector<ir::Tensor> folded = def.fold(inputs, op.attrs);
    ASSERT_EQ(folded.size(), op.outputs.size());
    for (size_t k = 0; k < folded.size(); ++k)
      EXPECT_LE(errorToScale(frontend::toAtenTensor(folded[k]), values.at(op.outputs[k])), kOpTolerance)
          << kind << " folded, output " << k << " of\n"
          << ir::printGraph(graph);
  }
}

}  // namespace kiln::testing
