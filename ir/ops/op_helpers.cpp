#include "ir/ops/op_helpers.h"

#include <algorithm>
#include <set>

namespace kiln::ir::ops {

Shape broadcastShapes(const Shape& a, const Shape& b, std::string_view kind) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      fail("{}: shapes [{}] and [{}] do not broadcast (dimension {}: {} vs {})", kind, shapeToString(a),
           shapeToString(b), i, da, db);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int normalizeDim(int64_t dim, int rank, std::string_view kind) {
  int64_t d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= std::max(rank, 1)) fail("{}: dimension {} is out of range for rank {}", kind, dim, rank);
  return static_cast<int>(d);
}

int indexDim(int64_t dim, int rank, std::string_view kind) {
  if (rank == 0) fail("{}: a scalar has no dimension {}", kind, dim);
  return normalizeDim(dim, rank, kind);
}

void expectRank(const OpSignature& sig, int input, int rank, std::string_view kind, std::string_view role) {
  if (sig.input(input).rank() != rank)
    fail("{}: {} must have rank {}, got {}", kind, role, rank, toString(sig.input(input)));
}

std::vector<int64_t> pairAttr(const OpSignature& sig, const std::string& name, std::string_view kind,
                              bool allow_zero) {
  const auto& v = sig.attrs.getInts(name);
  bool ok = v.size() == 2 &&
            std::all_of(v.begin(), v.end(), [&](int64_t x) { return allow_zero ? x >= 0 : x > 0; });
  if (!ok)
    fail("{}: {} must be two {} integers, got {}", kind, name, allow_zero ? "non-negative" : "positive",
         attrToString(v));
  return v;
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                         bool ceil_mode, std::string_view kind) {
  // Sizes and attributes are at most 2^40 (op_registry.cpp), so only the window's reach could overflow.
  const int64_t padded = in + 2 * pad;
  if (kernel - 1 > (padded - 1) / dilation)
    fail("{}: window of {} (dilation {}) is larger than the padded input of {}", kind, kernel, dilation,
         padded);
  const int64_t span = padded - dilation * (kernel - 1) - 1;
  int64_t out = (span + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  // PyTorch: with ceil_mode the last window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

std::vector<TensorType> pooledOutput(const OpSignature& sig, const std::vector<int64_t>& dilation,
                                     std::string_view kind) {
  expectRank(sig, 0, 4, kind, "input");
  auto kernel = pairAttr(sig, "kernel_size", kind);
  auto stride = pairAttr(sig, "stride", kind);
  auto padding = pairAttr(sig, "padding", kind, /*allow_zero=*/true);
  bool ceil_mode = sig.attrs.getBool("ceil_mode");
  const Shape& x = sig.input(0).shape;
  Shape out = {x[0], x[1], 0, 0};
  for (int i = 0; i < 2; ++i) {
    if (padding[i] * 2 > kernel[i])
      fail("{}: padding {} is more than half the kernel {}", kind, padding[i], kernel[i]);
    out[2 + i] = windowOutputSize(x[2 + i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode, kind);
  }
  return {{sig.input(0).dtype, out}};
}

RowWindow slidingRows(int64_t kernel, int64_t stride, int64_t dilation) {
  return {(kernel - 1) * dilation + 1, stride};
}

Tensor gathered(const Tensor& source, const Shape& shape,
                const std::function<int64_t(const std::vector<int64_t>& index)>& offset_of, float fill) {
  const int rank = static_cast<int>(shape.size());
  std::vector<float> out(numElements(shape));
  std::vector<int64_t> index(rank, 0);
  auto src = source.f32();
  for (float& v : out) {
    const int64_t offset = offset_of(index);
    v = offset < 0 ? fill : src[offset];
    for (int d = rank - 1; d >= 0 && ++index[d] == shape[d]; --d) index[d] = 0;
  }
  return Tensor(shape, std::move(out));
}

std::vector<TensorType> sameAsInput(const OpSignature& sig) {
  return {sig.input(0)};
}

std::function<MappingType(const OpSignature&)> always(MappingType type) {
  return [type](const OpSignature&) { return type; };
}

std::function<int64_t(const OpSignature&, const std::vector<TensorType>&)> flopsPerOutputElement(int64_t n) {
  return
      [n](const OpSignature&, const std::vector<TensorType>& outs) { return n * outs.at(0).numElements(); };
}

std::vector<int64_t> broadcastStrides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  for (int i = static_cast<int>(shape.size()) - 1, o = static_cast<int>(out.size()) - 1; i >= 0; --i, --o) {
    strides[o] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

namespace {
Tensor foldBinary(const Tensor& a, const Tensor& b, BinaryFn fn, std::string_view kind) {
  Shape out = broadcastShapes(a.shape(), b.shape(), kind);
  std::vector<int64_t> sa = broadcastStrides(a.shape(), out), sb = broadcastStrides(b.shape(), out);
  std::vector<float> result(numElements(out));
  std::vector<int64_t> index(out.size(), 0);
  auto da = a.f32(), db = b.f32();
  for (float& r : result) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < out.size(); ++d) ia += index[d] * sa[d], ib += index[d] * sb[d];
    r = fn(da[ia], db[ib]);
    for (int d = static_cast<int>(out.size()) - 1; d >= 0 && ++index[d] == out[d]; --d) index[d] = 0;
  }
  return Tensor(out, std::move(result));
}
}  // namespace

OpDef unaryElementwise(std::string kind, std::string description, int64_t flops_per_element, UnaryFn fn,
                       std::vector<AttrSpec> attrs) {
  OpDef def{.kind = std::move(kind), .description = std::move(description), .attrs = std::move(attrs)};
  def.infer = sameAsInput;
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(flops_per_element);
  def.fold = [fn](const std::vector<Tensor>& in, const Attributes& attrs) {
    std::vector<float> out(in[0].f32().begin(), in[0].f32().end());
    for (float& x : out) x = fn(x, attrs);
    return std::vector<Tensor>{Tensor(in[0].shape(), std::move(out))};
  };
  return def;
}

OpDef passThrough(std::string kind, std::string description, std::vector<AttrSpec> attrs) {
  OpDef def{.kind = std::move(kind), .description = std::move(description), .attrs = std::move(attrs)};
  def.infer = sameAsInput;
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes&) { return in; };
  return def;
}

OpDef binaryElementwise(std::string kind, std::string description, BinaryFn fn) {
  OpDef def{.kind = kind, .description = std::move(description), .min_inputs = 2, .max_inputs = 2};
  def.infer = [kind](const OpSignature& sig) {
    return std::vector<TensorType>{
        {sig.input(0).dtype, broadcastShapes(sig.input(0).shape, sig.input(1).shape, kind)}};
  };
  def.mapping = [kind](const OpSignature& sig) {
    return broadcastMapping(sig, broadcastShapes(sig.input(0).shape, sig.input(1).shape, kind));
  };
  def.flops = flopsPerOutputElement(1);
  def.fold = [fn, kind](const std::vector<Tensor>& in, const Attributes&) {
    return std::vector<Tensor>{foldBinary(in[0], in[1], fn, kind)};
  };
  return def;
}

// Each input maps one-to-one unless it is broadcast; the most complex input decides (DNNFusion's rule for ops
// with several inputs). A single-element operand (the 0.5 in x * 0.5) is a scalar, not a broadcast.
MappingType broadcastMapping(const OpSignature& sig, const Shape& out) {
  MappingType mapping = MappingType::OneToOne;
  for (const TensorType& in : sig.inputs)
    if (in.shape != out && in.numElements() != 1) mapping = mostComplex(mapping, MappingType::OneToMany);
  return mapping;
}

// Constants are float32, so the kinds below, whose results are not, never fold.
OpDef comparison(std::string kind, std::string description) {
  OpDef def = binaryElementwise(kind, std::move(description), nullptr);
  def.infer = [kind](const OpSignature& sig) {
    return std::vector<TensorType>{
        {DType::Bool, broadcastShapes(sig.input(0).shape, sig.input(1).shape, kind)}};
  };
  def.fold = {};
  return def;
}

OpDef logicalBinary(std::string kind, std::string description) {
  OpDef def = binaryElementwise(std::move(kind), std::move(description), nullptr);
  def.dtypes = {DType::Bool};
  def.fold = {};
  return def;
}

OpDef logicalUnary(std::string kind, std::string description) {
  OpDef def = unaryElementwise(std::move(kind), std::move(description), 1, nullptr);
  def.dtypes = {DType::Bool};
  def.fold = {};
  return def;
}

OpDef argReduction(std::string kind, std::string description) {
  OpDef def{.kind = kind,
            .description = std::move(description),
            .attrs = {{"dim", AttrType::Int, std::nullopt}, {"keepdim", AttrType::Bool, false}}};
  def.infer = [kind](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    const int dim = normalizeDim(sig.attrs.getInt("dim"), x.rank(), kind);
    Shape out = x.shape;
    if (sig.attrs.getBool("keepdim"))
      out[dim] = 1;
    else
      out.erase(out.begin() + dim);
    return std::vector<TensorType>{{DType::Int64, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  // The extreme, then the first index holding it: two passes over the input.
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>&) {
    return 2 * sig.input(0).numElements();
  };
  return def;
}

OpDef reduction(std::string kind, std::string description, int64_t flops_per_output) {
  OpDef def{.kind = kind,
            .description = std::move(description),
            .attrs = {{"dims", AttrType::Ints, std::nullopt}, {"keepdim", AttrType::Bool, false}}};
  def.infer = [kind](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    std::set<int> dims;
    for (int64_t d : sig.attrs.getInts("dims"))
      if (!dims.insert(normalizeDim(d, x.rank(), kind)).second)
        fail("{}: dimension {} is listed twice", kind, d);
    if (dims.empty()) fail("{}: dims must name at least one dimension", kind);
    Shape out;
    for (int d = 0; d < x.rank(); ++d) {
      if (!dims.count(d))
        out.push_back(x.shape[d]);
      else if (sig.attrs.getBool("keepdim"))
        out.push_back(1);
    }
    return std::vector<TensorType>{{x.dtype, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [flops_per_output](const OpSignature& sig, const std::vector<TensorType>& outs) {
    return sig.input(0).numElements() + flops_per_output * outs[0].numElements();
  };
  return def;
}

OpDef adaptivePool2d(std::string kind, std::string description) {
  OpDef def{.kind = kind,
            .description = std::move(description),
            .attrs = {{"output_size", AttrType::Ints, std::nullopt}}};
  def.infer = [kind](const OpSignature& sig) {
    expectRank(sig, 0, 4, kind, "input");
    auto size = pairAttr(sig, "output_size", kind);
    const Shape& x = sig.input(0).shape;
    return std::vector<TensorType>{{sig.input(0).dtype, {x[0], x[1], size[0], size[1]}}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    // Every input element is combined once per window that covers it (once when windows do not overlap).
    return sig.input(0).numElements() + outs[0].numElements();
  };
  return def;
}

}  // namespace kiln::ir::ops
