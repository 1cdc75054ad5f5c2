#include "ir/op_registry.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/error.h"

namespace kiln::ir {

namespace ops {
#define KILN_OP(name) OpDef name();
#include "ir/ops/op_list.def"
#undef KILN_OP
}  // namespace ops

const char* mappingTypeName(MappingType type) {
  switch (type) {
    case MappingType::OneToOne:
      return "one-to-one";
    case MappingType::Reorganize:
      return "reorganize";
    case MappingType::Shuffle:
      return "shuffle";
    case MappingType::OneToMany:
      return "one-to-many";
    case MappingType::ManyToMany:
      return "many-to-many";
  }
  return "?";
}

MappingType mostComplex(MappingType a, MappingType b) {
  return std::max(a, b);
}

OpRegistry::OpRegistry() {
#define KILN_OP(name) defs_.push_back(ops::name());
#include "ir/ops/op_list.def"
#undef KILN_OP
  std::sort(defs_.begin(), defs_.end(), [](const OpDef& a, const OpDef& b) { return a.kind < b.kind; });
}

const OpRegistry& OpRegistry::global() {
  static const OpRegistry registry;
  return registry;
}

const OpDef* OpRegistry::find(std::string_view kind) const {
  auto it = std::lower_bound(defs_.begin(), defs_.end(), kind,
                             [](const OpDef& def, std::string_view k) { return def.kind < k; });
  return it != defs_.end() && it->kind == kind ? &*it : nullptr;
}

const OpDef& OpRegistry::get(std::string_view kind) const {
  if (const OpDef* def = find(kind)) return *def;
  fail("unknown op kind '{}'", kind);
}

namespace {

// Integer attributes are sizes, indices, strides or padding of tensors of at most kMaxShapeElements
// elements, so shape inference may add and compare them without overflow.
void checkIntegerRange(const OpDef& def, const std::string& name, const AttrValue& value) {
  std::vector<int64_t> values;
  if (const auto* v = std::get_if<int64_t>(&value)) values = {*v};
  if (const auto* v = std::get_if<std::vector<int64_t>>(&value)) values = *v;
  for (int64_t v : values)
    if (v < -kMaxShapeElements || v > kMaxShapeElements)
      fail("{}: attribute '{}' holds {}, beyond the 2^40 that kiln's sizes stay within", def.kind, name, v);
}

}  // namespace

Attributes completeAttributes(const OpDef& def, const Attributes& given) {
  for (const auto& [name, value] : given.all()) {
    auto spec = std::find_if(def.attrs.begin(), def.attrs.end(),
                             [&name = name](const AttrSpec& s) { return s.name == name; });
    if (spec == def.attrs.end()) fail("{}: unknown attribute '{}'", def.kind, name);
    if (attrTypeOf(value) != spec->type)
      fail("{}: attribute '{}' must be a {}, got a {}", def.kind, name, attrTypeName(spec->type),
           attrTypeName(attrTypeOf(value)));
    checkIntegerRange(def, name, value);
  }
  Attributes complete = given;
  for (const AttrSpec& spec : def.attrs) {
    if (complete.has(spec.name)) continue;
    if (!spec.default_value) fail("{}: required attribute '{}' is missing", def.kind, spec.name);
    complete.set(spec.name, *spec.default_value);
  }
  return complete;
}

std::string dtypeList(const OpDef& def) {
  std::vector<std::string_view> names;
  for (DType t : def.dtypes) names.push_back(dtypeName(t));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::vector<TensorType> inferOutputTypes(const OpDef& def, const std::vector<TensorType>& inputs,
                                         const Attributes& attrs) {
  int n = static_cast<int>(inputs.size());
  if (n < def.min_inputs || (def.max_inputs != kVariadic && n > def.max_inputs)) {
    if (def.max_inputs == def.min_inputs) fail("{}: takes {} input(s), got {}", def.kind, def.min_inputs, n);
    if (def.max_inputs == kVariadic)
      fail("{}: takes at least {} input(s), got {}", def.kind, def.min_inputs, n);
    fail("{}: takes {} to {} inputs, got {}", def.kind, def.min_inputs, def.max_inputs, n);
  }
  for (int i = 0; i < n; ++i)
    if (std::find(def.dtypes.begin(), def.dtypes.end(), inputs[i].dtype) == def.dtypes.end())
      fail("{}: input {} is {}; the kind takes {}", def.kind, i, toString(inputs[i]), dtypeList(def));
  std::vector<TensorType> outputs = def.infer(OpSignature{inputs, attrs});
  for (const TensorType& t : outputs)
    if (!isBoundedShape(t.shape))
      fail("{}: its output would be {}; kiln's tensors hold 1 to 2^40 elements", def.kind, toString(t));
  return outputs;
}

OpCost opCost(const OpDef& def, const std::vector<TensorType>& inputs, const Attributes& attrs,
              const std::vector<TensorType>& outputs) {
  OpCost cost;
  cost.flops = def.flops(OpSignature{inputs, attrs}, outputs);
  for (const auto& t : inputs) cost.bytes_read += t.bytes();
  for (const auto& t : outputs) cost.bytes_written += t.bytes();
  return cost;
}

}  // namespace kiln::ir
