// The importer's errors: unsupported ops all listed at once with their source lines, unreadable files,
// missing or wrong input shapes, and models that raise for the given shapes. None of them may crash.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/script.h>

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
    EXPECT_NE(message.find("aten::cumsum x2, first at "), std::string::npos) << message;
    EXPECT_NE(message.find("aten::flip x1, first at "), std::string::npos) << message;
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

}  // namespace
}  // namespace kiln::frontend
