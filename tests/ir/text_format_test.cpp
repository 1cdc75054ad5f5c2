// The IR text format: printing and parsing round-trip, hand-written graphs parse, bad text is reported with
// its position.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"

namespace kiln::ir {
namespace {

const char* kBlock = R"(graph block(%x: f32[1,2,6,6]) {
  %w: f32[4,2,3,3] = constant splat<0.25>
  %b: f32[4] = constant dense<0.5, -1, 1e-08, 3.4028235e+38>
  %s: f32[] = constant dense<0.1>
  %c: f32[1,4,3,3] = conv2d(%x, %w, %b) {stride=[2,2], padding=[1,1]} loc("model.py:12")
  %r: f32[1,4,3,3] = hardtanh(%c) {min_val=0, max_val=6}   # ints are read as floats where floats are due
  %m: f32[1,4,3,3] = mul(%r, %s)
  %p: f32[1,1,3,3], %q: f32[1,3,3,3] = split(%m) {dim=1, sizes=[1,3]}
  return %p, %q
}
)";

TEST(TextFormat, ParsesHandWrittenGraphs) {
  Graph g = parseGraph(kBlock);
  ASSERT_EQ(g.ops().size(), 4u);
  EXPECT_EQ(g.ops()[0].attrs.getInts("dilation"), (std::vector<int64_t>{1, 1})) << "defaults filled";
  EXPECT_EQ(g.ops()[0].location, "model.py:12");
  EXPECT_EQ(g.ops()[1].attrs.getFloat("max_val"), 6.0);
  EXPECT_EQ(g.constant(g.findValue("w")).f32()[17], 0.25f);
  EXPECT_EQ(g.outputs().size(), 2u);
}

TEST(TextFormat, PrintParsePrintIsIdentical) {
  Graph g = parseGraph(kBlock);
  std::string once = printGraph(g, {.elide_constants = false});
  Graph again = parseGraph(once);
  EXPECT_EQ(printGraph(again, {.elide_constants = false}), once);
  auto original = g.constant(g.findValue("b")).f32();
  auto reparsed = again.constant(again.findValue("b")).f32();
  EXPECT_TRUE(std::equal(original.begin(), original.end(), reparsed.begin())) << "floats round-trip exactly";
}

TEST(TextFormat, AnnotationsAreCommentsTheParserSkips) {
  Graph g = parseGraph(kBlock);
  std::string annotated = printGraph(g, {.elide_constants = false, .annotate = true});
  EXPECT_NE(annotated.find("# many-to-many"), std::string::npos);
  EXPECT_EQ(printGraph(parseGraph(annotated), {.elide_constants = false}),
            printGraph(g, {.elide_constants = false}));
}

void expectParseError(const std::string& text, const std::string& fragment) {
  try {
    parseGraph(text);
    ADD_FAILURE() << "parsed bad text; expected an error containing: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(TextFormat, ReportsBadText) {
  expectParseError("graph g(%x: f32[2]) {\n  %y: f32[2] = relu(%z)\n  return %y\n}",
                   "line 2, column 23: %z is not defined");
  expectParseError("graph g(%x: f32[2]) {\n  %y: f32[2] = frobnicate(%x)\n  return %y\n}",
                   "unknown op kind 'frobnicate'");
  expectParseError("graph g(%x: f32[2]) {\n  %y: f32[3] = relu(%x)\n  return %y\n}",
                   "shape inference gives f32[2]");
  expectParseError("graph g(%x: q8[2]) {\n  return %x\n}", "unknown dtype 'q8'");
  expectParseError("graph g(%x: f32[2]) {\n  %w: f32[40] = constant <elided>\n  return %x\n}", "was elided");
  expectParseError("graph g(%x: f32[2]) {\n  %w: f32[3] = constant dense<1, 2>\n  return %x\n}",
                   "needs 3 values, got 2");
  expectParseError("graph g(%x: f32[2]) {\n  %x: f32[2] = relu(%x)\n  return %x\n}", "defined twice");
  expectParseError("graph g(%x: f32[2]) {\n  return %x\n", "expected '}'");
  expectParseError("graph g(%x: f32[2]) {\n  %y: f32[2] = relu(%x) {alpha=1}\n  return %y\n}",
                   "unknown attribute 'alpha'");
}

// Found by fuzz/ir_text_fuzzer: sizes that would have allocated terabytes or overflowed.
TEST(TextFormat, RefusesHugeSizes) {
  expectParseError(
      "graph g(%x: f32[4]) {\n  %w: f32[3333333333333333333333] = constant splat<1>\n  return %x\n}",
      "integer out of range");
  expectParseError("graph g(%x: f32[4]) {\n  %w: f32[1048576,1048576,2] = constant splat<1>\n  return %x\n}",
                   "a type has at most 2^40 elements");
  expectParseError("graph g(%x: f32[4]) {\n  %w: f32[65536,65536] = constant splat<1>\n  return %x\n}",
                   "a constant written in IR text has at most 2^28 elements, not 4294967296");
  expectParseError("graph g(%x: f32[-4]) {\n  return %x\n}", "each dimension at least 0");
  expectParseError("graph g(%x: f32[]) {\n  %p: f32[1] = split(%x) {dim=0, sizes=[1]}\n  return %p\n}",
                   "split: a scalar has no dimension 0");
}

}  // namespace
}  // namespace kiln::ir
