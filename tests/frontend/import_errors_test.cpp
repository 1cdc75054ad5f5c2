// The importer's errors: unsupported ops all listed at once with their source lines, unreadable files,
// missing or wrong input shapes, and models that raise for the given shapes. None of them may crash.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "frontend/reference_executor.h"
#include "frontend/torchscript_importer.h"
#include "ir/error.h"
#include "tests/frontend/zoo_test_support.h"

namespace kiln::frontend {
namespace {

using kiln::testing::zooModel;

std::string importError(const std::string& path, const ImportOptions& options = {}) {
  try {
    importTorchScript(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string scratchFile(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("kiln_test_" + name)).string();
}

TEST(ImportErrors, ListsEveryUnsupportedOpWithCountAndSourceLine) {
  for (const char* variant : {"unsupported_ops_traced", "unsupported_ops_scripted"}) {
    std::string message = importError(zooModel(variant));
    EXPECT_NE(message.find("2 unsupported op kind(s), 3 use(s)"), std::string::npos) << message;
    EXPECT_NE(message.find("aten::lgamma x2, first at "), std::string::npos) << message;
    EXPECT_NE(message.find("aten::digamma x1, first at "), std::string::npos) << message;
    EXPECT_NE(message.find("export_zoo.py:"), std::string::npos) << "the user's Python line: " << message;
  }
}

TEST(ImportErrors, MissingFile) {
  EXPECT_NE(
      importError("/nonexistent/model.pt").find("cannot read model '/nonexistent/model.pt': no such file"),
      std::string::npos);
}

TEST(ImportErrors, NotTorchScript) {
  std::string path = scratchFile("garbage.pt");
  std::ofstream(path) << "this is not a zip archive";
  EXPECT_NE(importError(path).find("is not a readable TorchScript file"), std::string::npos)
      << importError(path);
}

TEST(ImportErrors, TruncatedFile) {
  std::string path = scratchFile("truncated.pt");
  std::ifstream in(zooModel("lenet5_traced"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(importError(path).find("is not a readable TorchScript file"), std::string::npos)
      << importError(path);
}

TEST(ImportErrors, NoStoredShapeAndNoneGiven) {
  std::string path = scratchFile("no_shape.pt");
  torch::jit::load(zooModel("lenet5_traced")).save(path);
  EXPECT_NE(importError(path).find("does not record its input shape; give one with --input-shape"),
            std::string::npos);
  ImportOptions options;
  options.input_shapes = {{1, 1, 32, 32}};
  EXPECT_NO_THROW(importTorchScript(path, options));
}

TEST(ImportErrors, WrongInputShapes) {
  ImportOptions too_small;
  too_small.input_shapes = {{1, 1, 8, 8}};
  std::string message = importError(zooModel("lenet5_scripted"), too_small);
  EXPECT_NE(message.find("larger than the padded input"), std::string::npos) << message;

  ImportOptions two;
  two.input_shapes = {{1, 1, 32, 32}, {1, 1, 32, 32}};
  message = importError(zooModel("lenet5_scripted"), two);
  EXPECT_NE(message.find("the model takes 1 input(s) but 2 shape(s) were given"), std::string::npos)
      << message;
}

TEST(ImportErrors, ShapeChecksFoldAwayOrRaise) {
  EXPECT_NO_THROW(importTorchScript(zooModel("shape_checked_scripted")));
  ImportOptions odd;
  odd.input_shapes = {{1, 3, 16, 15}};
  std::string message = importError(zooModel("shape_checked_scripted"), odd);
  EXPECT_NE(message.find("the model raises an exception for these input shapes at "), std::string::npos)
      << message;
  EXPECT_NE(message.find("width must be even"), std::string::npos) << message;
}

// A scripted module with `forward_source` as its forward method, saved to a scratch file.
std::string scriptedModel(const std::string& name, const std::string& forward_source) {
  torch::jit::Module module("m");
  module.define(forward_source);
  const std::string path = scratchFile(name + ".pt");
  module.save(path);
  return path;
}

ImportOptions inputShape(ir::Shape shape) {
  ImportOptions options;
  options.input_shapes = {std::move(shape)};
  return options;
}

// A dtype kiln does not compute in (float64) is named, listed with the other unsupported ops and variants.
TEST(ImportErrors, UnsupportedDtypesAndVariantsAreListedTogether) {
  const std::string path = scriptedModel("float64_data", R"(
def forward(self, x):
    y = torch.round(x, decimals=2)
    z = x.double() + torch.arange(x.size(2))
    return y + z.float()
)");
  const std::string message = importError(path, inputShape({1, 4, 3}));
  EXPECT_NE(message.find("2 unsupported op kind(s)"), std::string::npos) << message;
  EXPECT_NE(message.find("aten::to (conversion to Double (kiln computes in float32, int64 and bool))"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("aten::round (round with decimals)"), std::string::npos) << message;
}

// Import runs the model's code on compile-time values, and what that code allocates counts against a budget
// (frontend/allocation_budget.h): a tensor that a huge batch, or a damaged file's shape, would make is
// refused by name instead of allocated.
TEST(ImportErrors, ImportTimeTensorsPastTheBudgetAreRefused) {
  const std::string path = scriptedModel("import_time_zeros", R"(
def forward(self, x):
    mask = torch.zeros(x.size(0), 1024, 1024)
    return x + mask[:, :1, :1]
)");
  EXPECT_NO_THROW(importTorchScript(path, inputShape({1, 1, 1})));
  const std::string message = importError(path, inputShape({1024, 1, 1}));
  EXPECT_NE(message.find("aten::zeros at "), std::string::npos) << message;
  EXPECT_NE(message.find("evaluating it at import would allocate 4.0 GiB more, past the 1.0 GiB kiln gives a "
                         "model's import-time values; give a smaller --input-shape, or export the model "
                         "again if the file is damaged"),
            std::string::npos)
      << message;
  ImportOptions small_budget = inputShape({1, 1, 1});
  small_budget.evaluation_bytes = 1 << 20;
  EXPECT_NE(importError(path, small_budget).find("past the 1.0 MiB kiln gives"), std::string::npos);
}

// Loops and recurrent layers unroll over every step; the graph they grow is bounded (ImportOptions::max_ops),
// and the error names the op and its line where the bound is passed, not a minutes-long import.
TEST(ImportErrors, UnrollingPastTheOpLimitIsRefused) {
  const std::string path = scriptedModel("unrolled_loop", R"(
def forward(self, x):
    y = x
    for i in range(x.size(0)):
        y = y * 2.0
    return y
)");
  ImportOptions small_limit = inputShape({30, 2});
  small_limit.max_ops = 40;
  EXPECT_NO_THROW(importTorchScript(path, small_limit));
  small_limit.input_shapes = {{50, 2}};
  std::string message = importError(path, small_limit);
  EXPECT_NE(message.find("aten::mul at "), std::string::npos) << message;
  EXPECT_NE(message.find("the model grows past 40 IR ops here, the most kiln imports"), std::string::npos)
      << message;

  message = importError(zooModel("recurrent_traced"), inputShape({1, 20000, 12}));
  EXPECT_NE(message.find("aten::lstm at "), std::string::npos) << message;
  EXPECT_NE(message.find("grows past 100000 IR ops here"), std::string::npos) << message;
}

// A recurrent op's arguments are checked as PyTorch checks them before it runs (a fuzzer finding: a damaged
// file's 2-D state for a batched LSTM was read as 3-D).
TEST(ImportErrors, RecurrentStatesOfTheWrongShapeAreRefused) {
  const std::string path = scriptedModel("lstm_state_shape", R"(
def forward(self, x):
    h = torch.zeros(1, x.size(1), 4)
    c = torch.zeros(1, x.size(1), 4)
    if x.size(0) > 5:
        c = torch.zeros(x.size(1), 4)
    params = [torch.ones(16, 3), torch.ones(16, 4)]
    return torch.lstm(x, [h, c], params, False, 1, 0.0, False, False, False)[0]
)");
  EXPECT_NO_THROW(importTorchScript(path, inputShape({5, 3, 3})));
  std::string message = importError(path, inputShape({6, 2, 3}));
  EXPECT_NE(message.find("aten::lstm at "), std::string::npos) << message;
  EXPECT_NE(message.find("an initial state of shape [2,4] does not fit 1 layer(s) x 1 direction(s) over a "
                         "batch of 2"),
            std::string::npos)
      << message;
}

// Norms read the channel dimension; a tensor without one is listed as unsupported, not read past its shape.
TEST(ImportErrors, NormsOfTensorsWithoutChannelsAreListed) {
  const std::string path = scriptedModel("norm_of_a_vector", R"(
def forward(self, x):
    stats = torch.ones(x.size(0))
    a = torch.batch_norm(x, None, None, stats, stats, False, 0.1, 1e-5, False)
    b = torch.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)
    return a + b
)");
  const std::string message = importError(path, inputShape({4}));
  EXPECT_NE(message.find("aten::batch_norm (batch norm of a tensor without channels)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("aten::instance_norm (instance norm of a tensor without channels)"),
            std::string::npos)
      << message;
}

// Arguments PyTorch refuses only when the model runs: each is listed as unsupported with its reason, where a
// lowering used to divide by them (SIGFPE: zero heads or groups, a pixel shuffle factor whose square
// overflows), read past an unbatched input's shape, or compute an einsum that PyTorch would refuse.
TEST(ImportErrors, ArgumentsPyTorchWouldRefuseAreListed) {
  const std::string path = scriptedModel("refused_arguments", R"(
def forward(self, x):
    w = torch.ones(24, 8)
    b = torch.ones(24)
    a = torch._native_multi_head_attention(x, x, x, 8, 0, w, b, w[:8], b[:8], None, False)[0]
    t = torch.conv_transpose2d(x.unsqueeze(0), torch.ones(2, 2, 3, 3), None, 1, 0, 0, 0)
    u = torch.conv_transpose2d(x, torch.ones(2, 2, 3, 3))
    s = torch.pixel_shuffle(x.unsqueeze(0), 4294967296)
    e = torch.einsum('ij->k', x[0]) + torch.einsum('ij,jk->ik', x[0])
    return a.sum() + t.sum() + u.sum() + s.sum() + e.sum()
)");
  const std::string message = importError(path, inputShape({2, 5, 8}));
  for (const char* reason :
       {"aten::_native_multi_head_attention (0 heads for embed_dim 8 (the heads must divide it))",
        "aten::conv_transpose2d (groups=0)",
        "aten::conv_transpose2d (a 2-D convolution of a rank-3 input (kiln takes batched inputs, [N, C, "
        "...]))",
        "aten::pixel_shuffle (a pixel (un)shuffle whose sizes the factor does not divide)",
        "aten::einsum (einsum 'ij->k': output label 'k' is repeated or in no operand)",
        "aten::einsum (einsum 'ij,jk->ik' of 1 operand(s))"})
    EXPECT_NE(message.find(reason), std::string::npos) << reason << "\n" << message;
}

// kiln's tensors hold at least one element, so an empty constant is refused by name (roll and group norm
// divided by its zero size), and a split may not make more pieces than the graph may hold ops (a 1x4000000
// input split into ones took 23 s and 1.3 GB; 1x400000000 would have taken 130 GB).
TEST(ImportErrors, EmptyTensorsAndEndlessSplitsAreRefused) {
  const std::string empty = scriptedModel("empty_constant", R"(
def forward(self, x):
    return (torch.zeros(0) * x.sum()).roll(1, 0)
)");
  EXPECT_NE(importError(empty, inputShape({2}))
                .find("has shape [0], no elements; kiln's tensors hold at least one"),
            std::string::npos)
      << importError(empty, inputShape({2}));
  const std::string split = scriptedModel("split_into_ones", R"(
def forward(self, x):
    return torch.split(x, 1, 1)[0]
)");
  const std::string message = importError(split, inputShape({1, 400000000}));
  EXPECT_NE(
      message.find("aten::split (a split into 400000000 pieces, more than the 100000 values kiln imports)"),
      std::string::npos)
      << message;
}

// Sizes a damaged (or careless) model makes up are refused before kiln's arithmetic on them could overflow
// (UndefinedBehaviorSanitizer's signed-overflow check) or allocate without bound. (An upsampling scale past
// int64's range: cli.compile_an_upsampling_by_a_huge_scale.)
TEST(ImportErrors, SizesPastTheTensorLimitAreListed) {
  const std::string path = scriptedModel("huge_sizes", R"(
def forward(self, x):
    a = x.narrow(1, 1, 9223372036854775807)
    b = x.repeat(4611686018427387904, 1)
    c = torch.conv2d(x.unsqueeze(0).unsqueeze(0), torch.ones(1, 1, 1, 1), None, [9223372036854775807, 1])
    e = x.cumsum(1)
    return a.sum() + b.sum() + c.sum() + e.sum()
)");
  const std::string message = importError(path, inputShape({2, 5000}));
  for (const char* reason :
       {"aten::narrow (narrow out of range)",
        "aten::repeat (a size of 4611686018427387904 x 2, past the 2^40 elements",
        "aten::conv2d (argument 3 of 9223372036854775807 (at least 1 and at most 2^40))",
        "aten::cumsum (cumsum along 5000 elements (kiln multiplies by an n x n triangle; "
        "n <= 4096))"})
    EXPECT_NE(message.find(reason), std::string::npos) << reason << "\n" << message;
}

// A chunk count near 2^63 overflowed ceil(size / chunks) to a negative piece size, and the import looped
// until memory ran out. (PyTorch's own chunk overflows there too and refuses to run; kiln makes one-element
// pieces.)
TEST(ImportErrors, ChunkCountsNearTheInt64LimitImport) {
  const std::string path = scriptedModel("huge_chunk_count", R"(
def forward(self, x):
    return x.chunk(9223372036854775807, 0)[3]
)");
  ir::Graph graph = importTorchScript(path, inputShape({5, 2}));
  EXPECT_EQ(graph.type(graph.outputs()[0]).shape, (ir::Shape{1, 2}));
}

// Shape arithmetic on sizes folds, integer tensors included (what tracing records), as do scripted models'
// tensor properties and identity tests.
TEST(ImportErrors, ShapeArithmeticAndTensorPropertiesFold) {
  const std::string path = scriptedModel("shape_arithmetic", R"(
def forward(self, x):
    half = torch.floor_divide(torch.tensor(x.size(-1)), 2)
    assert not x.is_cuda and not x.requires_grad
    return torch.narrow(x, -1, half, int(half)) * float(x.dim())
)");
  ir::Graph graph = importTorchScript(path, inputShape({2, 3, 10}));
  EXPECT_EQ(graph.type(graph.outputs()[0]).shape, (ir::Shape{2, 3, 5}));
}

// A dict output (segmentation models return {"out": ..., "aux": ...}) becomes its tensors in insertion order,
// items set and read by key along the way.
TEST(ImportErrors, DictOutputsKeepInsertionOrder) {
  const std::string path = scriptedModel("dict_output", R"(
def forward(self, x):
    d = {"first": x.relu()}
    d["second"] = x * 2.0
    d["first"] = d["first"] + 1.0
    return d
)");
  ir::Graph graph = importTorchScript(path, inputShape({2, 3}));
  ASSERT_EQ(graph.outputs().size(), 2u);
  const at::Tensor x = at::randn({2, 3});
  const std::vector<at::Tensor> outputs = ReferenceExecutor(graph).run({x});
  EXPECT_TRUE(at::allclose(outputs[0], x.relu() + 1.0));
  EXPECT_TRUE(at::allclose(outputs[1], x * 2.0));
}

}  // namespace
}  // namespace kiln::frontend
