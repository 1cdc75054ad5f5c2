// kiln_profiling: LibTorch's per-op times reach every IR op, the allocator's peak is seen, an artifact's
// profile carries the manifest's counts and the roofline bound, and a foreign model is refused.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "ir/error.h"
#include "ir/files.h"
#include "ir/statistics.h"
#include "profiling/block_profile.h"
#include "profiling/libtorch_profile.h"
#include "runtime/manifest.h"
#include "validation/compile_model.h"

namespace kiln::profiling {
namespace {

const std::string kZoo = KILN_ZOO_DIR;

MachinePeaks givenMachine() {
  MachinePeaks peaks;
  peaks.cores = 2;
  peaks.core_flops = 100e9;
  peaks.all_core_flops = 190e9;
  peaks.bandwidth = 20e9;
  return peaks;
}

TEST(Statistics, MedianAndNearestRankPercentile) {
  EXPECT_EQ(median({5, 1, 3}), 3);
  EXPECT_EQ(median({}), 0);
  EXPECT_EQ(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90), 9);
  EXPECT_EQ(percentile({4, 1}, 100), 4);
}

TEST(MachinePeaks, RooflineScalesWithThreadsUpToTheCores) {
  const MachinePeaks peaks = givenMachine();
  EXPECT_EQ(peaks.flopsWith(1), 100e9);
  EXPECT_EQ(peaks.flopsWith(2), 190e9);
  EXPECT_EQ(peaks.flopsWith(8), 190e9);
  const fusion::Machine machine = peaks.costModelMachine(1);
  EXPECT_EQ(machine.threads, 1);
  EXPECT_EQ(machine.peak_flops, 100e9);
  EXPECT_EQ(machine.bandwidth, 20e9);
}

TEST(LibTorchProfile, AttributesAtenTimeToEveryOp) {
  const ir::Graph graph = validation::importCanonical(kZoo + "/lenet5_traced.pt", {});
  at::manual_seed(0);
  const LibTorchOpTimes times = profileGraphOps(graph, {at::randn({1, 1, 32, 32})}, 5, 1);
  ASSERT_EQ(times.op_seconds.size(), graph.ops().size());
  double sum = 0;
  for (size_t i = 0; i < graph.ops().size(); ++i) {
    EXPECT_GT(times.op_seconds[i], 0) << graph.ops()[i].kind;
    EXPECT_FALSE(times.aten_ops[i].empty()) << graph.ops()[i].kind;
    sum += times.op_seconds[i];
  }
  EXPECT_EQ(times.aten_ops[0], std::vector<std::string>{"aten::conv2d"});
  EXPECT_GT(times.run_seconds, 0.5 * sum);
}

TEST(LibTorchProfile, PeakAllocatedBytesSeesATemporaryTensor) {
  const int64_t peak = peakAllocatedBytes([] { at::empty({1 << 20}).fill_(1.0f); });
  EXPECT_GE(peak, int64_t{4} << 20);
}

class ArtifactProfile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new TempDirectory("profile-test");
    const validation::ModelCompileOptions defaults;
    validation::compileModel(kZoo + "/lenet5_traced.pt", defaults, artifact());
  }
  static void TearDownTestSuite() { delete scratch_; }
  static std::filesystem::path artifact() { return scratch_->path() / "lenet.kiln"; }
  static TempDirectory* scratch_;
};
TempDirectory* ArtifactProfile::scratch_ = nullptr;

TEST_F(ArtifactProfile, CarriesTheManifestCountsAndTheRooflineBound) {
  ProfileOptions options;
  options.runs = 5;
  options.threads = 1;
  options.model = kZoo + "/lenet5_traced.pt";
  const ModelProfile profile = profileArtifact(artifact(), options, givenMachine());
  const runtime::Manifest manifest = runtime::readManifest(artifact());
  ASSERT_EQ(profile.blocks.size(), manifest.blocks.size());
  EXPECT_EQ(profile.timeline.size(), 5u);
  for (size_t b = 0; b < manifest.blocks.size(); ++b) {
    const BlockProfile& block = profile.blocks[b];
    EXPECT_EQ(block.flops, manifest.blocks[b].flops);
    EXPECT_EQ(block.bytes, manifest.blocks[b].traffic_bytes);
    EXPECT_DOUBLE_EQ(block.bound_seconds, std::max(block.flops / 100e9, block.bytes / 20e9));
    EXPECT_GT(block.median_seconds, 0);
    ASSERT_TRUE(block.libtorch_seconds.has_value());
    EXPECT_GT(*block.libtorch_seconds, 0);
  }
  ASSERT_TRUE(profile.libtorch.has_value());
  EXPECT_GT(profile.libtorch->module_seconds, 0);
}

TEST_F(ArtifactProfile, RefusesAModelThatIsNotTheArtifactsOwn) {
  ProfileOptions options;
  options.runs = 1;
  options.model = kZoo + "/resnet18_traced.pt";
  try {
    profileArtifact(artifact(), options, givenMachine());
    FAIL() << "profiling against another model should fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not the model the artifact was compiled from"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln::profiling
