// The op registry: one entry per op kind, holding everything the compiler knows about that kind.
//
// An entry (OpDef) gives the attribute schema, shape inference, the DNNFusion mapping type, the FLOP count
// and, optionally, a constant-folding evaluator. Stages never switch over op kinds for these facts; they ask
// the registry. Each kind is defined in its own file under ir/ops/ and listed once in ir/ops/op_list.def.
//
// Cost conventions (used by `kiln inspect`, the fusion metrics and the roofline):
//  - A multiply-add is 2 FLOPs (conv2d, linear, matmul). A bias add is 1 FLOP per output element.
//  - Elementwise ops count their arithmetic per element, with exp, erf, tanh and division counted as 1 each
//    (e.g. sigmoid = neg + exp + add + div = 4).
//  - Data movement ops (reshape, permute, cat, split, dropout, identity) cost 0 FLOPs.
//  - Bytes read are the sizes of all inputs (weights included), bytes written the sizes of all outputs: the
//    traffic of the op run alone, with nothing fused.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/attributes.h"
#include "ir/tensor.h"
#include "ir/types.h"

namespace kiln::ir {

// DNNFusion's classification of how input elements map to output elements, ordered from simplest to most
// complex (the order that decides an op with several differently-mapped inputs).
enum class MappingType { OneToOne, Reorganize, Shuffle, OneToMany, ManyToMany };

const char* mappingTypeName(MappingType type);  // "one-to-one", "reorganize", ...
MappingType mostComplex(MappingType a, MappingType b);

// The facts about one op instance that inference, mapping and cost depend on.
struct OpSignature {
  const std::vector<TensorType>& inputs;
  const Attributes& attrs;

  int numInputs() const { return static_cast<int>(inputs.size()); }
  const TensorType& input(int i) const { return inputs.at(i); }
};

struct AttrSpec {
  std::string name;
  AttrType type;
  std::optional<AttrValue> default_value = {};  // none: the attribute is required
};

struct OpCost {
  int64_t flops = 0;
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
};

inline constexpr int kVariadic = -1;

// How a sliding-window op (conv, pooling) reads the rows (height) of its input 0: each output row needs
// `rows` input rows, and consecutive output rows start `stride` rows apart. The fusion cost model uses it to
// price producing that input strip by strip inside the consumer's loop instead of all at once.
struct RowWindow {
  int64_t rows = 1;
  int64_t stride = 1;
};

struct OpDef {
  std::string kind;
  std::string description = {};
  int min_inputs = 1;
  int max_inputs = 1;  // kVariadic: any number from min_inputs on
  std::vector<AttrSpec> attrs = {};
  // The element types the kind's inputs may have; every kind computes in float32 today (integer and boolean
  // tensors exist only at import, as shape arithmetic).
  std::vector<DType> dtypes = {DType::Float32};
  // Output types, or kiln::Error naming what is wrong with the inputs or attributes.
  std::function<std::vector<TensorType>(const OpSignature&)> infer = {};
  std::function<MappingType(const OpSignature&)> mapping = {};
  std::function<int64_t(const OpSignature&, const std::vector<TensorType>& outputs)> flops = {};
  // Set for ops that read input 0 through a window sliding down its rows; empty for every other op.
  std::function<RowWindow(const OpSignature&)> row_window = {};
  // Evaluates the op on constant inputs; empty for kinds that constant folding leaves alone.
  std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs, const Attributes&)> fold = {};
};

// "f32" or "f32, i64": the dtypes an op kind takes, for messages and `kiln ops`.
std::string dtypeList(const OpDef& def);

class OpRegistry {
 public:
  static const OpRegistry& global();

  const OpDef* find(std::string_view kind) const;
  const OpDef& get(std::string_view kind) const;  // kiln::Error for an unknown kind
  const std::vector<OpDef>& all() const { return defs_; }

 private:
  OpRegistry();
  std::vector<OpDef> defs_;
};

// Checks `given` against the kind's schema (unknown names, wrong types, missing required attributes) and
// returns it with defaults filled in. Throws kiln::Error.
Attributes completeAttributes(const OpDef& def, const Attributes& given);

// Input count check plus shape inference. Throws kiln::Error.
std::vector<TensorType> inferOutputTypes(const OpDef& def, const std::vector<TensorType>& inputs,
                                         const Attributes& attrs);

OpCost opCost(const OpDef& def, const std::vector<TensorType>& inputs, const Attributes& attrs,
              const std::vector<TensorType>& outputs);

}  // namespace kiln::ir
