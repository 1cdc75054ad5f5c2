#include "codegen/winograd.h"

#include <algorithm>
#include <functional>
#include <map>

#include "codegen/lowerings/lowering_helpers.h"
#include "ir/summary.h"

namespace kiln::codegen::winograd {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

// A variant's matrices, padded to F(4x4)'s sizes: Bt (window x window), G (window x 3), At (tile x window).
struct Transforms {
  float input[6][6];
  float weight[6][3];
  float output[4][6];
};

// F(4x4, 3x3) with the interpolation points 0, +-1, +-2 and infinity, F(2x2, 3x3) with 0, +-1 and infinity
// (Lavin & Gray, section 4).
constexpr Transforms kLarge{
    {{4, 0, -5, 0, 1, 0},
     {0, -4, -4, 1, 1, 0},
     {0, 4, -4, -1, 1, 0},
     {0, -2, -1, 2, 1, 0},
     {0, 2, -1, -2, 1, 0},
     {0, 4, 0, -5, 0, 1}},
    {{1.0f / 4, 0, 0},
     {-1.0f / 6, -1.0f / 6, -1.0f / 6},
     {-1.0f / 6, 1.0f / 6, -1.0f / 6},
     {1.0f / 24, 1.0f / 12, 1.0f / 6},
     {1.0f / 24, -1.0f / 12, 1.0f / 6},
     {0, 0, 1}},
    {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}}};
constexpr Transforms kSmall{{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
                            {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}},
                            {{1, 1, 1, 0}, {0, 1, -1, -1}}};

const Transforms& transformsFor(int tile) {
  return tile == kSmallTile ? kSmall : kLarge;
}

bool all(const std::vector<int64_t>& values, int64_t expected) {
  return std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == expected; });
}

// A residual branch's downsample: a 1x1 conv without padding, computed beside the Winograd conv per group.
bool isPointwiseConv(const ir::Graph& graph, const ir::Op& op) {
  if (op.kind != "conv2d") return false;
  const ir::Shape& w = graph.type(op.inputs[1]).shape;
  return w[2] == 1 && w[3] == 1 && op.attrs.getInt("groups") == 1 && all(op.attrs.getInts("padding"), 0);
}

// One row of a transform applied to `term(k)`, k = 0..n-1, with the zero coefficients dropped.
Expr combine(const float* row, int n, const std::function<Expr(int)>& term) {
  Expr sum;
  for (int k = 0; k < n; ++k) {
    if (row[k] == 0) continue;
    const Expr t = row[k] == 1 ? term(k) : term(k) * row[k];
    sum = sum.defined() ? sum + t : t;
  }
  return sum;
}

// Whether `value` is an input of the block or computed from its inputs by one-to-one ops only (`producer`:
// the block's op that computes each value it computes).
bool elementwiseOfInputs(const ir::Graph& graph, const std::map<ir::ValueId, int>& producer,
                         ir::ValueId value) {
  auto it = producer.find(value);
  if (it == producer.end()) return true;
  const ir::Op& op = graph.ops()[it->second];
  if (ir::mappingOf(graph, op) != ir::MappingType::OneToOne) return false;
  return std::all_of(op.inputs.begin(), op.inputs.end(),
                     [&](ir::ValueId input) { return elementwiseOfInputs(graph, producer, input); });
}

// A Func of the lowering as a TensorFunc for the schedule: its extents in Halide order (innermost first).
TensorFunc stageTensor(Func f, std::vector<int64_t> halide_extents) {
  std::reverse(halide_extents.begin(), halide_extents.end());
  const int rank = static_cast<int>(halide_extents.size());
  return TensorFunc{std::move(f), std::move(halide_extents), rowMajor(rank)};
}

}  // namespace

int tileFor(const ir::Graph& graph, const fusion::Block& block, int conv, const TargetDesc& target,
            bool outputs_as_activations) {
  const ir::Op& op = graph.ops()[conv];
  if (target.isa == "cuda" || op.kind != "conv2d" || block.footprint.outputs.size() != 1) return 0;
  // A model output keeps PyTorch's layout unless laid out as an activation; the tiles assume kiln's
  // channels-innermost one.
  const std::vector<ir::ValueId>& model_outputs = graph.outputs();
  if (!outputs_as_activations &&
      std::count(model_outputs.begin(), model_outputs.end(), block.footprint.outputs[0]))
    return 0;
  const ir::Shape& w = graph.type(op.inputs[1]).shape;
  const ir::Shape& out = graph.type(op.outputs[0]).shape;
  if (w[2] != 3 || w[3] != 3 || w[1] < kMinInputChannels || op.attrs.getInt("groups") != 1 ||
      !all(op.attrs.getInts("stride"), 1) || !all(op.attrs.getInts("dilation"), 1))
    return 0;
  // Besides the conv, only one-to-one ops and 1x1 convs of the block's inputs (a residual's downsample),
  // and nothing but one-to-one ops between the block's inputs and the conv.
  std::map<ir::ValueId, int> producer;
  for (int other : block.ops)
    for (ir::ValueId value : graph.ops()[other].outputs) producer[value] = other;
  for (int other : block.ops) {
    const ir::Op& o = graph.ops()[other];
    if (other == conv || (isPointwiseConv(graph, o) && !producer.count(o.inputs[0]))) continue;
    if (ir::mappingOf(graph, o) != ir::MappingType::OneToOne) return 0;
  }
  if (!elementwiseOfInputs(graph, producer, op.inputs[0])) return 0;
  const auto image_tiles = [&](int tile) { return tiles(out[3], tile) * tiles(out[2], tile) * out[0]; };
  if (image_tiles(kLargeTile) >= kMinTiles) return kLargeTile;
  return image_tiles(kSmallTile) >= kMinTiles ? kSmallTile : 0;
}

int64_t tiles(int64_t pixels, int tile) {
  return (pixels + tile - 1) / tile;
}

int64_t transformedWeightBytes(int64_t outs, int64_t ins, int tile, const TargetDesc& target) {
  const int64_t panel = target.weightPanel();
  return points(tile) * ((outs + panel - 1) / panel * panel) * ins * static_cast<int64_t>(sizeof(float));
}

bool grouped(int64_t outs, int64_t ins, int64_t width, int tile, const TargetDesc& target) {
  return tiles(width, tile) >= kMinTilesPerRow &&
         transformedWeightBytes(outs, ins, tile, target) <= target.llc_bytes / 2;
}

std::vector<float> transformWeights(const std::vector<int64_t>& shape, const float* row_major, int panel,
                                    int tile) {
  const float(*G)[3] = transformsFor(tile).weight;
  const int window = windowSide(tile);
  const int64_t outs = shape[0], ins = shape[1], panels = (outs + panel - 1) / panel;
  std::vector<float> out(points(tile) * panels * panel * ins, 0.0f);
  for (int64_t o = 0; o < outs; ++o)
    for (int64_t i = 0; i < ins; ++i) {
      const float* g = row_major + (o * ins + i) * 9;
      double gg[6][3];  // G g
      for (int a = 0; a < window; ++a)
        for (int k = 0; k < 3; ++k) gg[a][k] = G[a][0] * g[k] + G[a][1] * g[3 + k] + G[a][2] * g[6 + k];
      for (int a = 0; a < window; ++a)
        for (int b = 0; b < window; ++b) {
          const double u = gg[a][0] * G[b][0] + gg[a][1] * G[b][1] + gg[a][2] * G[b][2];
          out[((static_cast<int64_t>(a * window + b) * panels + o / panel) * ins + i) * panel + o % panel] =
              static_cast<float>(u);
        }
    }
  return out;
}

int tileOf(const Stage& product) {
  const int64_t products = product.tensor.shape.front();  // stored outermost (stageTensor)
  return points(kSmallTile) == products ? kSmallTile : kLargeTile;
}

LoweredOp lowerConv2d(const LoweringInput& in) {
  const TensorFunc &x = in.inputs[0], &w = in.inputs[1];
  const auto& padding = in.op.attrs.getInts("padding");
  const ir::Shape& out_shape = in.output_types[0].shape;
  const int batch = static_cast<int>(out_shape[0]), outs = static_cast<int>(out_shape[1]);
  const int ins = static_cast<int>(x.shape[1]), panel = w.layout.block;
  const int tile = w.layout.winograd_tile, window = windowSide(tile);
  const Transforms& m = transformsFor(tile);
  const int tiles_y = static_cast<int>(tiles(out_shape[2], tile));
  const int tiles_x = static_cast<int>(tiles(out_shape[3], tile));
  const int top = static_cast<int>(padding[0]), left = static_cast<int>(padding[1]);
  const std::string& name = in.output_names[0];

  // The input with its zero border, defined everywhere: the last tiles' windows may reach past it.
  const ir::Shape padded_shape{x.shape[0], ins, x.shape[2] + 2 * top, x.shape[3] + 2 * left};
  const TensorFunc padded =
      defineTensor(name + "_padded", padded_shape, activationLayout(4),
                   [&](const auto& i) { return paddedAt(x, i[0], i[1], i[2] - top, i[3] - left, f32(0)); });
  Var c("c"), tx("tx"), ty("ty"), n("n"), i("i"), a("a"), b("b"), ab("ab"), j("j");

  // Bt d B, as a pass over each window row (rows) and one over its columns (windows).
  Func rows(name + "_wino_rows"), windows(name + "_wino_in");
  std::vector<Expr> row_terms, column_terms;
  for (int k = 0; k < window; ++k)
    row_terms.push_back(combine(m.input[k], window, [&](int col) {
      return padded.at({n, c, tile * ty + i, tile * tx + col});
    }));
  rows(c, tx, ty, n, i, b) = Halide::mux(b, row_terms);
  for (int k = 0; k < window; ++k)
    column_terms.push_back(
        combine(m.input[k], window, [&](int row) { return rows(c, tx, ty, n, row, ab % window); }));
  windows(c, tx, ty, n, ab) = Halide::mux(ab / window, column_terms);

  // The channel sums, one per point: U (output channels in panels) times V.
  Halide::RDom r(0, ins, name + "_r");
  Func products(name + "_wino_mul");
  Var co("co");
  products(co, tx, ty, n, ab) = f32(0);
  products(co, tx, ty, n, ab) += w.func(co % panel, r, co / panel, ab) * windows(r, tx, ty, n, ab);

  // At M A, as a pass over the columns (columns) and one over the rows inside the output.
  Func columns(name + "_wino_out");
  std::vector<Expr> column_out;
  for (int k = 0; k < tile; ++k)
    column_out.push_back(
        combine(m.output[k], window, [&](int col) { return products(co, tx, ty, n, a * window + col); }));
  columns(co, tx, ty, n, a, j) = Halide::mux(j, column_out);
  TensorFunc result = defineOutput(in, [&](const auto& o) {
    std::vector<Expr> row_out;
    for (int k = 0; k < tile; ++k)
      row_out.push_back(combine(m.output[k], window, [&](int row) {
        return columns(o[1], o[3] / tile, o[2] / tile, o[0], row, o[3] % tile);
      }));
    const Expr bias = in.op.inputs.size() > 2 ? in.inputs[2].at({o[1]}) : f32(0);
    return Halide::mux(o[2] % tile, row_out) + bias;
  });

  const std::vector<int64_t> tile_grid{tiles_x, tiles_y, batch};
  auto extents = [&](int64_t inner, std::vector<int64_t> outer) {
    std::vector<int64_t> e{inner};
    e.insert(e.end(), tile_grid.begin(), tile_grid.end());
    e.insert(e.end(), outer.begin(), outer.end());
    return e;
  };
  return LoweredOp{
      {result},
      {Stage{padded, StageKind::PaddedInput, Halide::RDom()},
       Stage{stageTensor(windows, extents(ins, {points(tile)})), StageKind::WinogradInput, Halide::RDom(),
             stageTensor(rows, extents(ins, {window, window}))},
       Stage{stageTensor(products, extents(outs, {points(tile)})), StageKind::WinogradProduct, r},
       Stage{stageTensor(columns, extents(outs, {window, tile})), StageKind::WinogradOutput,
             Halide::RDom()}}};
}

}  // namespace kiln::codegen::winograd
