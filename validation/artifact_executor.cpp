#include "validation/artifact_executor.h"

#include <cstdlib>

#include "codegen/target.h"
#include "frontend/aten_tensors.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/process.h"
#include "runtime/model.h"
#include "runtime/npy.h"
#include "validation/validate.h"

namespace kiln::validation {
namespace {

namespace fs = std::filesystem;

// An activation stored densely in its layout's extents, returned in logical (PyTorch) order.
at::Tensor logicalValue(const void* data, const runtime::ValueInfo& value) {
  std::vector<int64_t> strides(value.extents.size()), logical_strides;
  for (size_t p = 0, stride = 1; p < value.extents.size(); stride *= value.extents[p], ++p)
    strides[p] = static_cast<int64_t>(stride);
  for (int position : value.positions) logical_strides.push_back(strides[position]);
  return at::from_blob(const_cast<void*>(data), value.shape, logical_strides,
                       at::TensorOptions(atenScalarType(value.dtype)))
      .clone();
}

// The activations blocks write, by id.
std::vector<const runtime::ValueInfo*> blockActivations(const runtime::Manifest& manifest) {
  std::vector<const runtime::ValueInfo*> values;
  for (const runtime::BlockInfo& block : manifest.blocks)
    for (int id : block.outputs)
      if (manifest.values.at(id).role == runtime::ValueRole::Activation)
        values.push_back(&manifest.values.at(id));
  return values;
}

class InProcessExecutor : public ArtifactExecutor {
 public:
  InProcessExecutor(const fs::path& dir, int threads) : dir_(dir), threads_(threads), model_(dir) {
    model_.setNumThreads(threads);
  }
  const runtime::Manifest& manifest() const override { return model_.manifest(); }
  std::string where() const override { return "in this process"; }

  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs,
                              std::map<int, at::Tensor>* activations) override {
    if (!activations) return runArtifact(model_, inputs);
    // Keeping every activation needs its own memory plan, so a second model is loaded on first use.
    if (!keeping_) {
      keeping_ = std::make_unique<runtime::Model>(dir_, /*keep_intermediates=*/true);
      keeping_->setNumThreads(threads_);
    }
    std::vector<at::Tensor> outputs = runArtifact(*keeping_, inputs);
    for (const runtime::ValueInfo* value : blockActivations(manifest()))
      (*activations)[value->id] = logicalValue(keeping_->valueData(value->id), *value);
    return outputs;
  }

 private:
  fs::path dir_;
  int threads_;
  runtime::Model model_;
  std::unique_ptr<runtime::Model> keeping_;
};

// kiln-runner for aarch64: KILN_ARM64_RUNNER in the environment, else the one installed beside this kiln
// (<prefix>/bin/kiln finds <prefix>/KILN_INSTALLED_ARM64_RUNNER; packaging/install.cmake), else the one its
// build tree made (cross/).
fs::path arm64Runner() {
  if (const char* path = std::getenv("KILN_ARM64_RUNNER"); path && *path) {
    if (!fs::exists(path)) fail("no aarch64 kiln-runner at {} (KILN_ARM64_RUNNER)", path);
    return path;
  }
  const fs::path prefix = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
  for (const fs::path& runner : {prefix / KILN_INSTALLED_ARM64_RUNNER, fs::path(KILN_ARM64_RUNNER)})
    if (fs::exists(runner)) return runner;
  fail(
      "no aarch64 kiln-runner (looked for {} and {}): install Debian's g++-aarch64-linux-gnu and rebuild "
      "kiln "
      "(scripts/install-deps.sh, scripts/build.sh)",
      (prefix / KILN_INSTALLED_ARM64_RUNNER).string(), KILN_ARM64_RUNNER);
}

at::Tensor readTensor(const fs::path& path) {
  runtime::NpyArray array = runtime::readNpy(path);
  return at::from_blob(array.bytes.data(), array.shape, at::TensorOptions(atenScalarType(array.dtype)))
      .clone();
}

class EmulatedArm64Executor : public ArtifactExecutor {
 public:
  EmulatedArm64Executor(const fs::path& dir, int threads)
      : dir_(fs::absolute(dir)),
        threads_(threads),
        manifest_(runtime::readManifest(dir)),
        runner_(arm64Runner()) {}
  const runtime::Manifest& manifest() const override { return manifest_; }
  std::string where() const override { return "under qemu-aarch64"; }

  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs,
                              std::map<int, at::Tensor>* activations) override {
    const TempDirectory scratch("kiln-qemu");
    std::vector<std::string> argv = codegen::toolchainFor(Halide::Target(manifest_.halide_target)).emulator;
    argv.insert(argv.end(), {runner_.string(), dir_.string()});
    for (size_t i = 0; i < inputs.size(); ++i) {
      const fs::path file = scratch.path() / ("input" + std::to_string(i) + ".npy");
      const at::Tensor input = inputs[i].contiguous();
      runtime::writeNpy(file, input.sizes().vec(), elementTypeOf(input), input.data_ptr());
      argv.insert(argv.end(), {"--input", file.string()});
    }
    argv.insert(argv.end(), {"--output-dir", scratch.path().string(), "--threads", std::to_string(threads_)});
    if (activations) argv.push_back("--keep-values");
    runTool(argv, "run " + manifest_.model + " under emulation", "install Debian's qemu-user");
    std::vector<at::Tensor> outputs;
    for (size_t k = 0; k < manifest_.outputs.size(); ++k)
      outputs.push_back(readTensor(scratch.path() / ("output" + std::to_string(k) + ".npy")));
    if (activations) {
      for (const runtime::ValueInfo* value : blockActivations(manifest_)) {
        const at::Tensor stored = readTensor(scratch.path() / ("value" + std::to_string(value->id) + ".npy"));
        (*activations)[value->id] = logicalValue(stored.data_ptr(), *value);
      }
    }
    return outputs;
  }

 private:
  fs::path dir_;
  int threads_;
  runtime::Manifest manifest_;
  fs::path runner_;
};

}  // namespace

at::ScalarType atenScalarType(runtime::ElementType type) {
  switch (type) {
    case runtime::ElementType::Float32:
      return at::kFloat;
    case runtime::ElementType::Int64:
      return at::kLong;
    case runtime::ElementType::Bool:
      return at::kBool;
  }
  return at::kFloat;
}

frontend::ImportOptions importOptionsOf(const runtime::Manifest& manifest) {
  frontend::ImportOptions options;
  for (int id : manifest.inputs) {
    const runtime::ValueInfo& value = manifest.values.at(id);
    options.input_shapes.push_back(value.shape);
    options.input_dtypes.push_back(*frontend::irDType(atenScalarType(value.dtype)));
  }
  return options;
}

runtime::ElementType elementTypeOf(const at::Tensor& tensor) {
  for (runtime::ElementType type :
       {runtime::ElementType::Float32, runtime::ElementType::Int64, runtime::ElementType::Bool})
    if (tensor.scalar_type() == atenScalarType(type)) return type;
  fail("a {} tensor cannot be an artifact's input; kiln artifacts take float32, int64 and bool",
       std::string(c10::toString(tensor.scalar_type())));
}

std::unique_ptr<ArtifactExecutor> openArtifact(const fs::path& artifact_dir, int threads,
                                               const std::string& expected_target) {
  const runtime::Manifest manifest = runtime::readManifest(artifact_dir);
  const Halide::Target compiled(manifest.halide_target);
  if (!expected_target.empty() &&
      !codegen::sameMachine(compiled, codegen::resolveTarget(expected_target).halide))
    fail(
        "{} was compiled for {}, not {}; recompile it with `kiln compile --target {}`, or validate it "
        "without --target",
        artifact_dir.string(), manifest.halide_target, expected_target, expected_target);
  if (codegen::runsOnHost(compiled)) return std::make_unique<InProcessExecutor>(artifact_dir, threads);
  if (codegen::sameMachine(compiled, codegen::resolveTarget("arm64").halide))
    return std::make_unique<EmulatedArm64Executor>(artifact_dir, threads);
  fail("{} was compiled for {}, which this machine can neither run nor emulate", artifact_dir.string(),
       manifest.halide_target);
}

}  // namespace kiln::validation
