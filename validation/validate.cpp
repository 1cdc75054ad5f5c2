#include "validation/validate.h"

#include <fmt/format.h>

#include "frontend/reference_executor.h"
#include "ir/error.h"
#include "runtime/model.h"
#include "validation/compile_model.h"
#include "validation/torch_model.h"

namespace kiln::validation {
namespace {

namespace fs = std::filesystem;

Comparison compare(const std::string& name, const at::Tensor& actual, const at::Tensor& reference,
                   const Tolerance& tolerance) {
  Comparison c;
  c.name = name;
  const at::Tensor a = actual.to(at::kDouble).flatten(), r = reference.to(at::kDouble).flatten();
  const at::Tensor diff = (a - r).abs();
  const double scale = std::max(r.abs().max().item<double>(), 1e-30);
  c.max_abs = diff.max().item<double>();
  c.scaled = c.max_abs / scale;
  const at::Tensor significant = r.abs() >= 1e-3 * scale;
  // An all-zero reference (a zero-initialized head) has no significant element to divide by.
  c.max_rel =
      significant.any().item<bool>()
          ? (diff.masked_select(significant) / r.abs().masked_select(significant)).max().item<double>()
          : 0.0;
  const double norms = a.norm().item<double>() * r.norm().item<double>();
  c.cosine = norms > 0 ? (a * r).sum().item<double>() / norms : (c.max_abs == 0 ? 1.0 : 0.0);
  c.pass = c.scaled <= tolerance.scaled_error && c.cosine >= tolerance.min_cosine;
  return c;
}

}  // namespace

std::optional<Fault> localizeFault(const fs::path& model_path, ArtifactExecutor& artifact,
                                   const std::vector<at::Tensor>& inputs, const Tolerance& tolerance) {
  const runtime::Manifest& manifest = artifact.manifest();
  const ir::Graph graph = importCanonical(model_path, importOptionsOf(manifest));
  std::map<int, at::Tensor> activations;
  artifact.run(inputs, &activations);
  const auto reference = frontend::ReferenceExecutor(graph).runAll(inputs);
  for (const runtime::BlockInfo& block : manifest.blocks) {
    for (int id : block.outputs) {
      const runtime::ValueInfo& value = manifest.values.at(id);
      if (id >= graph.numValues() || graph.value(id).name != value.name)
        fail("the artifact was not compiled from {} (value {} differs); recompile it", model_path.string(),
             value.name);
      if (value.role != runtime::ValueRole::Activation) continue;
      Comparison c = compare(value.name, activations.at(id), reference.at(id), tolerance);
      if (c.pass) continue;
      return Fault{block.id, block.function, block.ops, c};
    }
  }
  return std::nullopt;
}

ValidationReport validateArtifact(const fs::path& model_path, const fs::path& artifact_dir,
                                  const ValidateOptions& options) {
  const std::unique_ptr<ArtifactExecutor> artifact =
      openArtifact(artifact_dir, options.threads, options.target);
  torch::jit::Module module = loadTorchModule(model_path);
  ValidationReport report;
  report.ran = artifact->where();
  for (uint64_t seed : options.seeds) {
    const std::vector<at::Tensor> inputs = seededInputs(artifact->manifest(), seed, options.index_range);
    const std::vector<at::Tensor> expected = runTorch(module, inputs), actual = artifact->run(inputs);
    if (expected.size() != actual.size())
      fail("the model returns {} tensors but the artifact {}", expected.size(), actual.size());
    SeedResult result{seed, {}, true};
    for (size_t o = 0; o < actual.size(); ++o) {
      const auto& value = artifact->manifest().values.at(artifact->manifest().outputs[o]);
      result.outputs.push_back(compare(value.name, actual[o], expected[o], options.tolerance));
      result.pass = result.pass && result.outputs.back().pass;
    }
    report.pass = report.pass && result.pass;
    if (!result.pass && !report.fault)
      report.fault = localizeFault(model_path, *artifact, inputs, options.tolerance);
    report.seeds.push_back(std::move(result));
  }
  return report;
}

std::vector<at::Tensor> runArtifact(runtime::Model& model, const std::vector<at::Tensor>& inputs) {
  const runtime::Manifest& manifest = model.manifest();
  std::vector<runtime::HostTensor> host;
  for (const at::Tensor& t : inputs) host.push_back({t.data_ptr(), t.sizes().vec(), elementTypeOf(t)});
  std::vector<at::Tensor> outputs;
  std::vector<void*> data;
  for (int id : manifest.outputs) {
    const runtime::ValueInfo& value = manifest.values.at(id);
    outputs.push_back(at::empty(value.shape, at::TensorOptions(atenScalarType(value.dtype))));
    data.push_back(outputs.back().data_ptr());
  }
  model.run(host, data);
  return outputs;
}

std::string formatReport(const ValidationReport& report, const Tolerance& tolerance) {
  std::string text = fmt::format("artifact ran {}\n", report.ran);
  text += fmt::format("{:>6}  {:<12} {:>12} {:>12} {:>12} {:>12}  {}\n", "seed", "output", "max abs",
                      "max rel", "abs/scale", "cosine", "result");
  for (const SeedResult& seed : report.seeds)
    for (const Comparison& c : seed.outputs)
      text += fmt::format("{:>6}  {:<12} {:>12.3e} {:>12.3e} {:>12.3e} {:>12.9f}  {}\n", seed.seed, c.name,
                          c.max_abs, c.max_rel, c.scaled, c.cosine, c.pass ? "pass" : "FAIL");
  text += fmt::format("tolerance: max abs error <= {:.1e} x max |reference|, cosine >= {}\n",
                      tolerance.scaled_error, tolerance.min_cosine);
  if (report.fault) {
    const Fault& f = *report.fault;
    text += fmt::format("first disagreeing block: {} ({}), ops {}; its output {} is off by {:.3e} x scale\n",
                        f.block, f.function, fmt::join(f.ops, "+"), f.first_bad_output.name,
                        f.first_bad_output.scaled);
  } else if (!report.pass) {
    text +=
        "every block agrees with the reference executor; the difference lies between the TorchScript module "
        "and kiln's import of it\n";
  }
  return text + (report.pass ? "PASS\n" : "FAIL\n");
}

}  // namespace kiln::validation
