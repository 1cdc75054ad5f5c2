#include "ir/parser.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "ir/error.h"
#include "ir/verifier.h"

namespace kiln::ir {

namespace {

// Constants written out in text are for tests and hand-written graphs; a larger one is a mistake (or an
// attack) and would take gigabytes.
constexpr int64_t kMaxTextConstantElements = int64_t{1} << 28;

enum class Tok { End, Value, Ident, Number, String, Punct };

struct Token {
  Tok kind = Tok::End;
  std::string text;
  int line = 1, column = 1;
};

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token next() {
    skipSpaceAndComments();
    Token token{Tok::End, "", line_, column_};
    if (pos_ >= text_.size()) return token;
    char c = text_[pos_];
    if (c == '%') {
      advance();
      token.kind = Tok::Value;
      token.text = takeWhile(isNameChar);
    } else if (c == '"') {
      advance();
      token.kind = Tok::String;
      token.text = takeWhile([](char ch) { return ch != '"' && ch != '\n'; });
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("line {}: unterminated string", token.line);
      advance();
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+') {
      token.kind = Tok::Number;
      token.text = takeWhile([](char ch) { return isNameChar(ch) || ch == '-' || ch == '+'; });
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      token.text = takeWhile(isNameChar);
      token.kind = token.text == "inf" || token.text == "nan" ? Tok::Number : Tok::Ident;
    } else {
      token.kind = Tok::Punct;
      token.text = std::string(1, c);
      advance();
    }
    return token;
  }

 private:
  void advance() {
    if (text_[pos_++] == '\n')
      ++line_, column_ = 1;
    else
      ++column_;
  }
  template <typename Pred>
  std::string takeWhile(Pred pred) {
    size_t start = pos_;
    while (pos_ < text_.size() && pred(text_[pos_])) advance();
    return std::string(text_.substr(start, pos_ - start));
  }
  void skipSpaceAndComments() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_])))
        advance();
      else if (text_[pos_] == '#')
        takeWhile([](char ch) { return ch != '\n'; });
      else
        break;
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1, column_ = 1;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { token_ = lexer_.next(); }

  Graph parse() {
    expectIdent("graph");
    Graph graph(take(Tok::Ident, "a graph name").text);
    expectPunct("(");
    if (!atPunct(")")) {
      do {
        std::string name = take(Tok::Value, "an input name").text;
        expectPunct(":");
        graph.addInput(name, parseType());
      } while (acceptPunct(","));
    }
    expectPunct(")");
    expectPunct("{");
    while (!(token_.kind == Tok::Ident && token_.text == "return")) parseStatement(graph);
    advance();
    std::vector<ValueId> outputs;
    do outputs.push_back(lookup(graph, take(Tok::Value, "an output value").text));
    while (acceptPunct(","));
    expectPunct("}");
    if (token_.kind != Tok::End) error("text after the end of the graph");
    graph.setOutputs(outputs);
    verifyOrThrow(graph, "after parsing");
    return graph;
  }

 private:
  [[noreturn]] void error(const std::string& message) const {
    fail("IR text, line {}, column {}: {} (at '{}')", token_.line, token_.column, message, token_.text);
  }
  void advance() { token_ = lexer_.next(); }
  bool atPunct(const char* p) const { return token_.kind == Tok::Punct && token_.text == p; }
  bool acceptPunct(const char* p) {
    if (!atPunct(p)) return false;
    advance();
    return true;
  }
  void expectPunct(const char* p) {
    if (!acceptPunct(p)) error(fmt::format("expected '{}'", p));
  }
  void expectIdent(const char* word) {
    if (token_.kind != Tok::Ident || token_.text != word) error(fmt::format("expected '{}'", word));
    advance();
  }
  Token take(Tok kind, const char* what) {
    if (token_.kind != kind) error(fmt::format("expected {}", what));
    Token t = token_;
    advance();
    return t;
  }

  ValueId lookup(const Graph& graph, const std::string& name) const {
    ValueId id = graph.findValue(name);
    if (id == kNoValue) error(fmt::format("%{} is not defined", name));
    return id;
  }

  double number(const std::string& text) const {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') error("expected a number");
    return v;
  }
  int64_t integer(const std::string& text) const {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') error("expected an integer");
    if (errno == ERANGE) error("integer out of range");
    return v;
  }

  TensorType parseType() {
    Token dtype_token = take(Tok::Ident, "a dtype");
    auto dtype = parseDType(dtype_token.text);
    if (!dtype) fail("IR text, line {}: unknown dtype '{}'", dtype_token.line, dtype_token.text);
    TensorType type{*dtype, {}};
    expectPunct("[");
    int64_t elements = 1;
    if (!atPunct("]")) {
      do {
        type.shape.push_back(integer(take(Tok::Number, "a dimension").text));
        if (type.shape.back() < 0 || __builtin_mul_overflow(elements, type.shape.back(), &elements) ||
            elements > kMaxShapeElements)
          error("a type has at most 2^40 elements, each dimension at least 0");
      } while (acceptPunct(","));
    }
    expectPunct("]");
    return type;
  }

  void parseStatement(Graph& graph) {
    std::vector<std::pair<std::string, TensorType>> results;
    do {
      std::string name = take(Tok::Value, "a value name").text;
      expectPunct(":");
      results.emplace_back(name, parseType());
    } while (acceptPunct(","));
    expectPunct("=");
    Token head = take(Tok::Ident, "'constant' or an op kind");
    if (head.text == "constant") {
      if (results.size() != 1) error("a constant defines exactly one value");
      graph.addConstant(results[0].first, parseConstantData(results[0].second));
      return;
    }
    const OpDef* def = OpRegistry::global().find(head.text);
    if (!def) fail("IR text, line {}: unknown op kind '{}'", head.line, head.text);
    Op op{head.text, {}, {}, {}, {}};
    expectPunct("(");
    if (!atPunct(")")) {
      do op.inputs.push_back(lookup(graph, take(Tok::Value, "an input value").text));
      while (acceptPunct(","));
    }
    expectPunct(")");
    if (acceptPunct("{")) {
      do parseAttribute(*def, op.attrs);
      while (acceptPunct(","));
      expectPunct("}");
    }
    if (token_.kind == Tok::Ident && token_.text == "loc") {
      advance();
      expectPunct("(");
      op.location = take(Tok::String, "a location string").text;
      expectPunct(")");
    }
    op.attrs = completeAttributes(*def, op.attrs);
    graph.addOpWithOutputs(std::move(op), results);
  }

  Tensor parseConstantData(const TensorType& type) {
    if (type.dtype != DType::Float32) error("only f32 constants can be written");
    if (type.numElements() > kMaxTextConstantElements)
      error(
          fmt::format("a constant written in IR text has at most 2^28 elements, not {}", type.numElements()));
    if (acceptPunct("<")) {
      expectIdent("elided");
      error("this constant's data was elided when the graph was printed; print with full constants");
    }
    Token kind = take(Tok::Ident, "'dense' or 'splat'");
    expectPunct("<");
    std::vector<float> values;
    if (!atPunct(">")) {
      do values.push_back(static_cast<float>(number(take(Tok::Number, "a number").text)));
      while (acceptPunct(","));
    }
    expectPunct(">");
    if (kind.text == "splat") {
      if (values.size() != 1) error("splat takes one value");
      return Tensor::filled(type.shape, values[0]);
    }
    if (kind.text != "dense") error("expected 'dense' or 'splat'");
    if (static_cast<int64_t>(values.size()) != type.numElements())
      error(fmt::format("dense constant of type {} needs {} values, got {}", toString(type),
                        type.numElements(), values.size()));
    return Tensor(type.shape, std::move(values));
  }

  // Attribute values are read by their spelling and then coerced to the schema's type where that is lossless
  // (an int written for a float attribute, an empty list).
  void parseAttribute(const OpDef& def, Attributes& attrs) {
    std::string name = take(Tok::Ident, "an attribute name").text;
    expectPunct("=");
    AttrValue value;
    if (token_.kind == Tok::String) {
      value = token_.text;
      advance();
    } else if (token_.kind == Tok::Ident && (token_.text == "true" || token_.text == "false")) {
      value = token_.text == "true";
      advance();
    } else if (acceptPunct("[")) {
      std::vector<std::string> items;
      if (!atPunct("]")) {
        do items.push_back(take(Tok::Number, "a number").text);
        while (acceptPunct(","));
      }
      expectPunct("]");
      value = listValue(items, expectedType(def, name) == AttrType::Floats);
    } else {
      std::string text = take(Tok::Number, "an attribute value").text;
      bool is_float = !isInteger(text) || expectedType(def, name) == AttrType::Float;
      value = is_float ? AttrValue(number(text)) : AttrValue(integer(text));
    }
    attrs.set(name, std::move(value));
  }

  static bool isInteger(const std::string& text) { return text.find_first_of(".eEni") == std::string::npos; }
  static std::optional<AttrType> expectedType(const OpDef& def, const std::string& name) {
    for (const AttrSpec& spec : def.attrs)
      if (spec.name == name) return spec.type;
    return std::nullopt;
  }
  AttrValue listValue(const std::vector<std::string>& items, bool floats_expected) const {
    bool floats = floats_expected;
    for (const auto& item : items) floats = floats || !isInteger(item);
    if (floats) {
      std::vector<double> values;
      for (const auto& item : items) values.push_back(number(item));
      return values;
    }
    std::vector<int64_t> values;
    for (const auto& item : items) values.push_back(integer(item));
    return values;
  }

  Lexer lexer_;
  Token token_;
};

}  // namespace

Graph parseGraph(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace kiln::ir
