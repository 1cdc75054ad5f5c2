// Lowerings of the kinds that move data without arithmetic: reshape, permute, cat, split, slice, expand, pad,
// flip, and
// the pass-throughs identity and dropout (inference). Index arithmetic only; in a fused block they cost
// nothing once inlined into their reader.
#include "codegen/lowerings/lowering_helpers.h"

namespace kiln::codegen {
namespace {

using Halide::Expr;

// A reshape's dimensions in groups: the shortest runs of input and output dimensions with equal element
// counts, in order ([1, 232, 28, 28] -> [1, 2, 116, 28, 28]: {0} -> {0}, {1} -> {1, 2}, {2} -> {3},
// {3} -> {4}). Each input index depends only on its group's output indices, so a split or merged channel
// dimension reads with a divide by its own factor, not by the product of the rows and columns after it.
// One group of everything where extents do not factor so (an empty tensor).
struct DimGroup {
  size_t in_begin, in_end, out_begin, out_end;
};

std::vector<DimGroup> reshapeGroups(const ir::Shape& in, const ir::Shape& out) {
  std::vector<DimGroup> groups;
  size_t i = 0, j = 0;
  while (i < in.size() || j < out.size()) {
    DimGroup group{i, i, j, j};
    int64_t in_count = i < in.size() ? in[i++] : 1, out_count = j < out.size() ? out[j++] : 1;
    while (in_count != out_count && (i < in.size() || j < out.size())) {
      if ((in_count < out_count && i < in.size()) || j == out.size())
        in_count *= in[i++];
      else
        out_count *= out[j++];
    }
    if (in_count != out_count) return {DimGroup{0, in.size(), 0, out.size()}};
    group.in_end = i;
    group.out_end = j;
    groups.push_back(group);
  }
  return groups;
}

LoweredOp reshape(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const ir::Shape& out_shape = in.output_types[0].shape;
  const std::vector<DimGroup> groups = reshapeGroups(x.shape, out_shape);
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index(x.shape.size());
    for (const DimGroup& g : groups) {
      // A dimension kept as it was reads at the output's index, as permute's do; the others stay inside
      // their extents (% wraps), which Halide's bounds inference then knows.
      const bool identity = g.in_end - g.in_begin == 1 && g.out_end - g.out_begin == 1;
      Expr flat = 0;
      int64_t stride = 1;
      for (size_t d = g.out_end; d-- > g.out_begin; stride *= out_shape[d])
        flat += i[d] * static_cast<int>(stride);
      stride = 1;
      for (size_t d = g.in_end; d-- > g.in_begin; stride *= x.shape[d]) {
        const int extent = static_cast<int>(x.shape[d]);
        Expr index = stride == 1 ? flat : flat / static_cast<int>(stride);
        x_index[d] = extent == 1 ? Expr(0) : identity ? index : index % extent;
      }
    }
    return x.at(x_index);
  }));
}

LoweredOp permute(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const auto& dims = in.op.attrs.getInts("dims");
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index(x.rank());
    for (size_t k = 0; k < dims.size(); ++k) x_index[(dims[k] + x.rank()) % x.rank()] = i[k];
    return x.at(x_index);
  }));
}

// The largest power of two, up to 16, that divides every input's extent along `dim` (so every offset too).
int concatGranule(const std::vector<TensorFunc>& inputs, int dim) {
  int granule = 16;
  for (const TensorFunc& part : inputs)
    while (granule > 1 && part.shape[dim] % granule != 0) granule /= 2;
  return granule;
}

// `index` with dimension `dim` moved by -offset and kept inside a tensor of `extent` along it: select()
// evaluates every branch, so each read must stay inside its own input. The clamp applies to whole granules
// (a power of two dividing every input's extent; with 1 it is the plain clamp) and the position inside one
// is added back: a vector of channels that starts on a granule then reads each input with one dense load,
// where clamping every lane gathers them (DenseNet-121's 27-input cats spent 57 % of their blocks in such
// gathers).
std::vector<Expr> shifted(const std::vector<Halide::Var>& index, int dim, int offset, int extent,
                          int granule) {
  std::vector<Expr> moved = exprs(index);
  const Expr i = index[dim];
  moved[dim] = Halide::clamp(i / granule * granule - offset, 0, extent - granule) + i % granule;
  return moved;
}

LoweredOp cat(const LoweringInput& in) {
  const int rank = static_cast<int>(in.output_types[0].shape.size());
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + rank) % rank);
  const int granule = concatGranule(in.inputs, dim);
  return single(defineOutput(in, [&](const auto& i) {
    int offset = 0;
    std::vector<std::pair<Expr, Expr>> pieces;
    for (const TensorFunc& part : in.inputs) {
      const int extent = static_cast<int>(part.shape[dim]);
      pieces.emplace_back(i[dim] < offset + extent, part.at(shifted(i, dim, offset, extent, granule)));
      offset += extent;
    }
    Expr value = pieces.back().second;
    for (int p = static_cast<int>(pieces.size()) - 2; p >= 0; --p)
      value = Halide::select(pieces[p].first, pieces[p].second, value);
    return value;
  }));
}

LoweredOp split(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + x.rank()) % x.rank());
  LoweredOp lowered;
  int offset = 0;
  for (size_t k = 0; k < in.output_types.size(); ++k) {
    lowered.outputs.push_back(defineOutput(
        in,
        [&](const auto& i) {
          std::vector<Expr> x_index = exprs(i);
          x_index[dim] = i[dim] + offset;
          return x.at(x_index);
        },
        static_cast<int>(k)));
    offset += static_cast<int>(in.output_types[k].shape[dim]);
  }
  return lowered;
}

LoweredOp slice(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + x.rank()) % x.rank());
  const int start = static_cast<int>(in.op.attrs.getInt("start")),
            step = static_cast<int>(in.op.attrs.getInt("step"));
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index = exprs(i);
    x_index[dim] = start + i[dim] * step;
    return x.at(x_index);
  }));
}

// Each output index maps to the source index of its mode, clamped into the input so that Halide's bounds
// inference (which does not narrow through select) never asks for elements outside it.
LoweredOp pad(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const std::vector<int64_t>& pads = in.op.attrs.getInts("pads");
  const std::string& mode = in.op.attrs.getString("mode");
  const Expr fill = f32(in.op.attrs.getFloat("value"));
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index;
    Expr inside = Halide::cast<bool>(1);
    for (int d = 0; d < x.rank(); ++d) {
      const int n = static_cast<int>(x.shape[d]);
      Expr j = i[d] - static_cast<int>(pads[2 * d]);
      if (mode == "constant") inside = inside && j >= 0 && j < n;
      if (mode == "reflect") j = Halide::select(j < 0, -j, j >= n, 2 * (n - 1) - j, j);
      if (mode == "circular") j = Halide::select(j < 0, j + n, j >= n, j - n, j);
      x_index.push_back(Halide::clamp(j, 0, n - 1));
    }
    return mode == "constant" ? Halide::select(inside, x.at(x_index), fill) : x.at(x_index);
  }));
}

LoweredOp flip(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  std::vector<bool> flipped(x.rank(), false);
  for (int64_t d : in.op.attrs.getInts("dims")) flipped[(d + x.rank()) % x.rank()] = true;
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index = exprs(i);
    for (int d = 0; d < x.rank(); ++d)
      if (flipped[d]) x_index[d] = static_cast<int>(x.shape[d]) - 1 - i[d];
    return x.at(x_index);
  }));
}

// Input dimensions match the output's last ones; a size-1 one is read at 0 for every output position.
LoweredOp expand(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const size_t lead = in.output_types[0].shape.size() - x.shape.size();
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index;
    for (size_t d = 0; d < x.shape.size(); ++d)
      x_index.push_back(x.shape[d] == 1 ? Expr(0) : Expr(i[lead + d]));
    return x.at(x_index);
  }));
}

// An int64 index clamped into [0, n) (so that a bad index never reads outside the tensor), as a coordinate.
Expr clampedIndex(const Expr& index, int64_t n) {
  return Halide::cast<int>(
      Halide::clamp(index, Halide::cast<int64_t>(0), Halide::cast<int64_t>(static_cast<int>(n - 1))));
}

LoweredOp gather(const LoweringInput& in) {
  const TensorFunc &x = in.inputs[0], &index = in.inputs[1];
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + x.rank()) % x.rank());
  return single(defineOutput(in, [&](const auto& i) {
    std::vector<Expr> x_index = exprs(i);
    x_index[dim] = clampedIndex(index.at(exprs(i)), x.shape[dim]);
    return x.at(x_index);
  }));
}

LoweredOp embedding(const LoweringInput& in) {
  const TensorFunc &table = in.inputs[0], &indices = in.inputs[1];
  return single(defineOutput(in, [&](const auto& i) {
    const std::vector<Expr> position(i.begin(), i.end() - 1);
    return table.at({clampedIndex(indices.at(position), table.shape[0]), i.back()});
  }));
}

LoweredOp passThrough(const LoweringInput& in) {
  return single(defineOutput(in, [&](const auto& i) { return in.inputs[0].at(exprs(i)); }));
}

}  // namespace

LoweringTable dataMovementLowerings() {
  return {{"reshape", reshape},      {"permute", permute},     {"cat", cat},       {"split", split},
          {"slice", slice},          {"expand", expand},       {"pad", pad},       {"flip", flip},
          {"identity", passThrough}, {"dropout", passThrough}, {"gather", gather}, {"embedding", embedding}};
}

}  // namespace kiln::codegen
