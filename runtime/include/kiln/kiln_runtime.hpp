// A thin C++ wrapper over the C API in kiln_runtime.h: RAII for the model handle, std::string messages, and
// std::vector shapes. Errors stay values (a Status), as in the C API.
#pragma once

#include <string>
#include <vector>

#include "kiln/kiln_runtime.h"

namespace kiln {

struct Status {
  bool ok = true;
  std::string message;
  explicit operator bool() const { return ok; }
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  int64_t elements = 0;
  kiln_dtype dtype = KILN_FLOAT32;
};

class Model {
 public:
  Model() = default;
  ~Model() { kiln_model_close(model_); }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  Status open(const std::string& artifact_dir) {
    return check(kiln_model_open(artifact_dir.c_str(), &model_));
  }
  Status setNumThreads(int threads) { return check(kiln_model_set_num_threads(model_, threads)); }

  std::vector<TensorSpec> inputs() const {
    return specs(kiln_model_num_inputs(model_), kiln_model_input_info);
  }
  std::vector<TensorSpec> outputs() const {
    return specs(kiln_model_num_outputs(model_), kiln_model_output_info);
  }

  // Row-major buffers, one per input and output, of the dtypes and sizes inputs() and outputs() say.
  Status run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
    std::vector<TensorSpec> in_specs = this->inputs(), out_specs = this->outputs();
    std::vector<kiln_tensor> in, out;
    for (size_t i = 0; i < inputs.size() && i < in_specs.size(); ++i)
      in.push_back({in_specs[i].dtype, static_cast<int>(in_specs[i].shape.size()), in_specs[i].shape.data(),
                    const_cast<void*>(inputs[i])});
    for (size_t i = 0; i < outputs.size() && i < out_specs.size(); ++i)
      out.push_back({out_specs[i].dtype, static_cast<int>(out_specs[i].shape.size()),
                     out_specs[i].shape.data(), outputs[i]});
    return check(kiln_model_run(model_, in.data(), static_cast<int>(inputs.size()), out.data(),
                                static_cast<int>(outputs.size())));
  }

 private:
  static Status check(kiln_status status) {
    return status == KILN_OK ? Status{} : Status{false, kiln_last_error()};
  }
  std::vector<TensorSpec> specs(int count,
                                kiln_status (*info)(const kiln_model*, int, kiln_tensor_info*)) const {
    std::vector<TensorSpec> result;
    for (int i = 0; i < count; ++i) {
      kiln_tensor_info t{};
      if (info(model_, i, &t) != KILN_OK) break;
      result.push_back({t.name, std::vector<int64_t>(t.dims, t.dims + t.rank), t.elements, t.dtype});
    }
    return result;
  }

  kiln_model* model_ = nullptr;
};

}  // namespace kiln
