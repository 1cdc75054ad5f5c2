// The packager's pieces: the weights file, the C header and the manifest of an artifact, the native
// libraries linked from the compiled objects, and last the list of every file's digest (checksums.xxh128).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codegen/block_pipeline.h"
#include "codegen/target.h"
#include "fusion/metrics.h"

namespace kiln::codegen {

struct WeightsLayout {
  std::map<ir::ValueId, uint64_t> offset;  // byte offset of each constant from the start of the data section
  uint64_t data_bytes = 0;
  uint64_t checksum = 0;  // artifact::weightsChecksum of the data section
};

// Packs every constant a block reads into its layout, 64-byte aligned, behind a header with the checksum.
WeightsLayout writeWeights(const std::filesystem::path& path, const ir::Graph& graph,
                           const fusion::Plan& plan, const ValueLayouts& layouts);

struct ManifestInput {
  const ir::Graph& graph;
  const fusion::Plan& plan;
  const fusion::PlanMetrics& metrics;
  const ValueLayouts& layouts;
  const WeightsLayout& weights;
  const std::vector<BlockPipeline>& blocks;
  std::string model_name, target_name, halide_target, schedule;
};

nlohmann::json buildManifest(const ManifestInput& in);
std::string headerText(const ManifestInput& in);

// Links the objects into lib<model>.so (exporting only the block entry points and the Halide runtime's
// API) and lib<model>.a with the target's toolchain. Throws kiln::Error with the tool's output, or with the
// package to install, if the compiler or archiver fails.
void linkLibraries(const std::vector<std::filesystem::path>& objects,
                   const std::filesystem::path& shared_library, const std::filesystem::path& static_library,
                   const Toolchain& toolchain);

// A model name as it appears in C macros: "resnet18_traced" -> "RESNET18_TRACED".
std::string macroName(const std::string& text);

// Writes checksums.xxh128 (runtime/artifact_checksums.h) over every other file in `directory`.
void writeChecksums(const std::filesystem::path& directory);

}  // namespace kiln::codegen
