#include "ir/attributes.h"

#include <fmt/format.h>

#include "ir/error.h"

namespace kiln::ir {

AttrType attrTypeOf(const AttrValue& value) {
  return static_cast<AttrType>(value.index());
}

const char* attrTypeName(AttrType type) {
  switch (type) {
    case AttrType::Int:
      return "int";
    case AttrType::Float:
      return "float";
    case AttrType::Bool:
      return "bool";
    case AttrType::String:
      return "string";
    case AttrType::Ints:
      return "int list";
    case AttrType::Floats:
      return "float list";
  }
  return "?";
}

namespace {
// Shortest decimal text that reads back as the same double, always with a '.' or exponent so that the parser
// can tell a float from an int.
std::string floatText(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";
  return s;
}
}  // namespace

std::string attrToString(const AttrValue& value) {
  struct Printer {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return floatText(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return fmt::format("\"{}\"", v); }
    std::string operator()(const std::vector<int64_t>& v) const {
      return fmt::format("[{}]", fmt::join(v, ","));
    }
    std::string operator()(const std::vector<double>& v) const {
      std::vector<std::string> parts;
      for (double d : v) parts.push_back(floatText(d));
      return fmt::format("[{}]", fmt::join(parts, ","));
    }
  };
  return std::visit(Printer{}, value);
}

const AttrValue* Attributes::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

template <typename T>
const T& Attributes::get(const std::string& name) const {
  const AttrValue* value = find(name);
  if (!value) fail("attribute '{}' is missing", name);
  const T* typed = std::get_if<T>(value);
  if (!typed) {
    AttrValue expected = T{};
    fail("attribute '{}' is a {}, expected a {}", name, attrTypeName(attrTypeOf(*value)),
         attrTypeName(attrTypeOf(expected)));
  }
  return *typed;
}

int64_t Attributes::getInt(const std::string& name) const {
  return get<int64_t>(name);
}
double Attributes::getFloat(const std::string& name) const {
  return get<double>(name);
}
bool Attributes::getBool(const std::string& name) const {
  return get<bool>(name);
}
const std::string& Attributes::getString(const std::string& name) const {
  return get<std::string>(name);
}
const std::vector<int64_t>& Attributes::getInts(const std::string& name) const {
  return get<std::vector<int64_t>>(name);
}
const std::vector<double>& Attributes::getFloats(const std::string& name) const {
  return get<std::vector<double>>(name);
}

}  // namespace kiln::ir
