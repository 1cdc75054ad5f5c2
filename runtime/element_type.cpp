#include "runtime/element_type.h"

namespace kiln::runtime {
namespace {

struct Spelling {
  ElementType type;
  int64_t bytes;
  const char* name;
  const char* npy;
  kiln_dtype c;
};
constexpr Spelling kSpellings[] = {{ElementType::Float32, 4, "float32", "<f4", KILN_FLOAT32},
                                   {ElementType::Int64, 8, "int64", "<i8", KILN_INT64},
                                   {ElementType::Bool, 1, "bool", "|b1", KILN_BOOL}};

const Spelling& spelling(ElementType type) {
  for (const Spelling& s : kSpellings)
    if (s.type == type) return s;
  return kSpellings[0];
}

template <typename Matches>
std::optional<ElementType> find(Matches matches) {
  for (const Spelling& s : kSpellings)
    if (matches(s)) return s.type;
  return std::nullopt;
}

}  // namespace

int64_t elementBytes(ElementType type) {
  return spelling(type).bytes;
}
const char* elementTypeName(ElementType type) {
  return spelling(type).name;
}
const char* npyDescr(ElementType type) {
  return spelling(type).npy;
}
kiln_dtype cDtype(ElementType type) {
  return spelling(type).c;
}

std::optional<ElementType> elementTypeNamed(const std::string& name) {
  return find([&](const Spelling& s) { return name == s.name; });
}
std::optional<ElementType> elementTypeOfNpy(const std::string& descr) {
  return find([&](const Spelling& s) { return descr == s.npy; });
}
std::optional<ElementType> elementTypeOfC(kiln_dtype dtype) {
  return find([&](const Spelling& s) { return dtype == s.c; });
}

}  // namespace kiln::runtime
