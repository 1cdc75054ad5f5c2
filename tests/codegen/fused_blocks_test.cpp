// Fusion correctness of the generated code: random DAGs partitioned by dnnfusion (blocks with prologues,
// streamed convs, global pools, multi-output blocks, splits and joins) against the reference executor, and
// the zoo compiled with every strategy, all agreeing with each other and with LibTorch.
#include <gtest/gtest.h>

#include "../frontend/zoo_test_support.h"
#include "../fusion/random_graphs.h"
#include "codegen_test_support.h"
#include "ir/printer.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {
namespace {

constexpr double kFusedTolerance = 1e-4;

class RandomFusedGraph : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RandomFusedGraph, MatchesReferenceExecutor) {
  const ir::Graph graph = RandomGraphBuilder(GetParam()).build();
  const std::vector<at::Tensor> inputs = randomInputs(graph, GetParam());
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(graph).run(inputs);
  for (auto schedule : {codegen::ScheduleKind::Default, codegen::ScheduleKind::Auto}) {
    ScratchDir dir("random-" + std::to_string(GetParam()));
    std::vector<at::Tensor> actual;
    try {
      runtime::Model model(compileGraph(graph, "dnnfusion", dir.path(), "host", schedule));
      actual = runArtifact(model, inputs);
    } catch (const std::exception& e) {
      FAIL() << "schedule " << codegen::scheduleKindName(schedule) << ": " << e.what() << "\nin\n"
             << ir::printGraph(graph);
    }
    for (size_t o = 0; o < actual.size(); ++o)
      EXPECT_LE(errorToScale(actual[o], expected[o]), kFusedTolerance)
          << "schedule " << codegen::scheduleKindName(schedule) << ", output "
          << graph.value(graph.outputs()[o]).name << " of\n"
          << ir::printGraph(graph);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomFusedGraph, ::testing::Range(1u, 13u));

// The same model compiled with each strategy: every artifact matches LibTorch, and they match one another.
class StrategiesAgree : public ::testing::TestWithParam<std::string> {};

TEST_P(StrategiesAgree, OnTheZooModel) {
  const std::string model = zooModel(GetParam());
  std::vector<at::Tensor> first;
  for (const std::string strategy : {"none", "pattern", "dnnfusion"}) {
    ScratchDir dir(GetParam() + "-" + strategy);
    validation::ModelCompileOptions options;
    options.strategy = strategy;
    validation::compileModel(model, options, dir.path());
    validation::ValidateOptions one_seed;
    one_seed.seeds = {1};
    const auto report = validation::validateArtifact(model, dir.path(), one_seed);
    EXPECT_TRUE(report.pass) << strategy << "\n" << validation::formatReport(report, {});
    runtime::Model artifact(dir.path());
    at::manual_seed(5);
    const std::vector<at::Tensor> outputs = runArtifact(
        artifact, {at::randn(artifact.manifest().values.at(artifact.manifest().inputs[0]).shape)});
    if (first.empty())
      first = outputs;
    else
      EXPECT_LE(errorToScale(outputs[0], first[0]), kFusedTolerance) << strategy << " disagrees with none";
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, StrategiesAgree, ::testing::Values("resnet18_traced", "mobilenet_v2_scripted"));

}  // namespace
}  // namespace kiln::testing
