// Typed attributes of an op (stride, padding, eps, ...), keyed by name.
//
// Each op kind's registry entry declares its attribute schema (ir/op_registry.h); the graph fills in defaults
// when an op is added and the verifier checks every op against its schema, so lowerings can read attributes
// without checking for presence or type again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kiln::ir {

enum class AttrType { Int, Float, Bool, String, Ints, Floats };
using AttrValue = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>, std::vector<double>>;

AttrType attrTypeOf(const AttrValue& value);
const char* attrTypeName(AttrType type);
std::string attrToString(const AttrValue& value);  // the IR text spelling: 3, 1.5, true, "none", [1,2]

class Attributes {
 public:
  Attributes() = default;
  Attributes(std::initializer_list<std::pair<const std::string, AttrValue>> values) : values_(values) {}

  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const AttrValue* find(const std::string& name) const;

  // Typed getters; each throws kiln::Error naming the attribute if it is missing or of another type.
  int64_t getInt(const std::string& name) const;
  double getFloat(const std::string& name) const;
  bool getBool(const std::string& name) const;
  const std::string& getString(const std::string& name) const;
  const std::vector<int64_t>& getInts(const std::string& name) const;
  const std::vector<double>& getFloats(const std::string& name) const;

  const std::map<std::string, AttrValue>& all() const { return values_; }
  bool operator==(const Attributes&) const = default;

 private:
  template <typename T>
  const T& get(const std::string& name) const;
  std::map<std::string, AttrValue> values_;
};

}  // namespace kiln::ir
