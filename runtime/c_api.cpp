// The C API over runtime::Model: exceptions become KILN_ERROR plus a thread-local message.
#include <string>

#include "kiln/kiln_runtime.h"
#include "runtime/error.h"
#include "runtime/model.h"

struct kiln_model {
  std::unique_ptr<kiln::runtime::Model> model;
};

namespace {

thread_local std::string last_error;

template <typename Body>
kiln_status guarded(Body body) {
  try {
    body();
    return KILN_OK;
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown error";
  }
  return KILN_ERROR;
}

// The C API's dtypes include two no artifact holds (float64, int32), named here for the error message.
const char* dtypeName(kiln_dtype dtype) {
  if (const auto type = kiln::runtime::elementTypeOfC(dtype)) return kiln::runtime::elementTypeName(*type);
  if (dtype == KILN_FLOAT64) return "float64";
  if (dtype == KILN_INT32) return "int32";
  return "an unknown dtype";
}

kiln_status tensorInfo(const kiln_model* model, const std::vector<int>& ids, int index,
                       kiln_tensor_info* info) {
  return guarded([&] {
    if (!model || !info) throw kiln::runtime::Error("null argument");
    if (index < 0 || index >= static_cast<int>(ids.size()))
      throw kiln::runtime::Error("tensor index " + std::to_string(index) + " out of range");
    const auto& value = model->model->manifest().values.at(ids[index]);
    int64_t elements = 1;
    for (int64_t d : value.shape) elements *= d;
    *info = kiln_tensor_info{value.name.c_str(), static_cast<int>(value.shape.size()), value.shape.data(),
                             elements, kiln::runtime::cDtype(value.dtype)};
  });
}

std::vector<int64_t> shapeOf(const kiln_tensor& tensor) {
  if (tensor.rank < 0 || (tensor.rank > 0 && !tensor.dims)) throw kiln::runtime::Error("tensor without dims");
  return std::vector<int64_t>(tensor.dims, tensor.dims + tensor.rank);
}

// The tensor's element type, which must be the one the model was compiled for (`value`, where the model has
// that many tensors: a wrong count is reported by Model::run).
kiln::runtime::ElementType checkedDtype(const kiln_tensor& tensor, const kiln::runtime::ValueInfo* value,
                                        const char* role, int index) {
  const std::string what = std::string(role) + " " + std::to_string(index);
  if (!tensor.data) throw kiln::runtime::Error(what + " has no data");
  const auto dtype = kiln::runtime::elementTypeOfC(tensor.dtype);
  if (!dtype || (value && *dtype != value->dtype))
    throw kiln::runtime::Error(what + " is " + dtypeName(tensor.dtype) + "; the model was compiled for " +
                               (value ? kiln::runtime::elementTypeName(value->dtype) : "another dtype"));
  return *dtype;
}

const kiln::runtime::ValueInfo* valueAt(const kiln::runtime::Manifest& manifest, const std::vector<int>& ids,
                                        int index) {
  return index < static_cast<int>(ids.size()) ? &manifest.values.at(ids[index]) : nullptr;
}

}  // namespace

extern "C" {

const char* kiln_last_error(void) {
  return last_error.c_str();
}

kiln_status kiln_model_open(const char* artifact_dir, kiln_model** model) {
  return guarded([&] {
    if (!artifact_dir || !model) throw kiln::runtime::Error("kiln_model_open: null argument");
    auto opened = std::make_unique<kiln_model>();
    opened->model = std::make_unique<kiln::runtime::Model>(artifact_dir);
    *model = opened.release();
  });
}

void kiln_model_close(kiln_model* model) {
  delete model;
}

int kiln_model_num_inputs(const kiln_model* model) {
  return model ? static_cast<int>(model->model->manifest().inputs.size()) : 0;
}

int kiln_model_num_outputs(const kiln_model* model) {
  return model ? static_cast<int>(model->model->manifest().outputs.size()) : 0;
}

kiln_status kiln_model_input_info(const kiln_model* model, int index, kiln_tensor_info* info) {
  return tensorInfo(model, model ? model->model->manifest().inputs : std::vector<int>{}, index, info);
}

kiln_status kiln_model_output_info(const kiln_model* model, int index, kiln_tensor_info* info) {
  return tensorInfo(model, model ? model->model->manifest().outputs : std::vector<int>{}, index, info);
}

kiln_status kiln_model_memory(const kiln_model* model, kiln_memory_info* info) {
  return guarded([&] {
    if (!model || !info) throw kiln::runtime::Error("kiln_model_memory: null argument");
    const auto& arena = model->model->arena();
    *info = kiln_memory_info{arena.arena_bytes, arena.unshared_bytes,
                             static_cast<int64_t>(model->model->weightBytes()),
                             static_cast<int>(model->model->manifest().blocks.size())};
  });
}

kiln_status kiln_model_set_num_threads(kiln_model* model, int threads) {
  return guarded([&] {
    if (!model) throw kiln::runtime::Error("kiln_model_set_num_threads: null model");
    model->model->setNumThreads(threads);
  });
}

kiln_status kiln_model_run(kiln_model* model, const kiln_tensor* inputs, int num_inputs, kiln_tensor* outputs,
                           int num_outputs) {
  return guarded([&] {
    if (!model || (num_inputs > 0 && !inputs) || (num_outputs > 0 && !outputs))
      throw kiln::runtime::Error("kiln_model_run: null argument");
    const auto& manifest = model->model->manifest();
    std::vector<kiln::runtime::HostTensor> in;
    for (int i = 0; i < num_inputs; ++i)
      in.push_back({inputs[i].data, shapeOf(inputs[i]),
                    checkedDtype(inputs[i], valueAt(manifest, manifest.inputs, i), "input", i)});
    std::vector<void*> out;
    for (int i = 0; i < num_outputs; ++i) {
      checkedDtype(outputs[i], valueAt(manifest, manifest.outputs, i), "output", i);
      if (i < static_cast<int>(manifest.outputs.size()) &&
          shapeOf(outputs[i]) != manifest.values.at(manifest.outputs[i]).shape)
        throw kiln::runtime::Error(
            "output " + std::to_string(i) + " must have shape " +
            kiln::runtime::describeShape(manifest.values.at(manifest.outputs[i]).shape) + ", got " +
            kiln::runtime::describeShape(shapeOf(outputs[i])));
      out.push_back(outputs[i].data);
    }
    model->model->run(in, out);
  });
}

}  // extern "C"
