// The runtime's C API from several threads at once, on a compiled LeNet-5 (KILN_TEST_ARTIFACT): one handle
// per thread, and one handle shared by every thread (runs on it take turns). Each run must give the
// single-threaded answer. Links the runtime alone, so that scripts/sanitize.sh can build it with
// ThreadSanitizer without LibTorch or libHalide.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "kiln/kiln_runtime.h"

namespace {

constexpr int kThreads = 4;
constexpr int kRunsPerThread = 25;

const char* artifact() {
  const char* dir = std::getenv("KILN_TEST_ARTIFACT");
  return dir ? dir : "";
}

struct Io {
  std::vector<int64_t> in_dims, out_dims;
  std::vector<float> image, scores;
};

Io ioFor(kiln_model* model, int seed) {
  kiln_tensor_info in{}, out{};
  EXPECT_EQ(kiln_model_input_info(model, 0, &in), KILN_OK);
  EXPECT_EQ(kiln_model_output_info(model, 0, &out), KILN_OK);
  Io io{{in.dims, in.dims + in.rank}, {out.dims, out.dims + out.rank}, std::vector<float>(in.elements), {}};
  io.scores.resize(out.elements);
  for (size_t i = 0; i < io.image.size(); ++i) io.image[i] = static_cast<float>((i * 7 + seed) % 23) / 23.0f;
  return io;
}

// Runs the model on `io` and returns the scores, or a message on failure.
std::vector<float> run(kiln_model* model, Io& io, std::string& error) {
  kiln_tensor input{KILN_FLOAT32, static_cast<int>(io.in_dims.size()), io.in_dims.data(), io.image.data()};
  kiln_tensor output{KILN_FLOAT32, static_cast<int>(io.out_dims.size()), io.out_dims.data(),
                     io.scores.data()};
  if (kiln_model_run(model, &input, 1, &output, 1) != KILN_OK) error = kiln_last_error();
  return io.scores;
}

class ConcurrentRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kiln_model_open(artifact(), &reference_model_), KILN_OK) << kiln_last_error();
    for (int seed = 0; seed < kThreads; ++seed) {
      Io io = ioFor(reference_model_, seed);
      std::string error;
      expected_.push_back(run(reference_model_, io, error));
      ASSERT_EQ(error, "");
    }
  }
  void TearDown() override { kiln_model_close(reference_model_); }

  // Each thread runs its own input kRunsPerThread times on the model `modelFor` gives it.
  template <typename ModelFor>
  void runOnThreads(ModelFor modelFor) {
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        kiln_model* model = modelFor(t);
        Io io = ioFor(model, t);
        for (int r = 0; r < kRunsPerThread && failures[t].empty(); ++r)
          if (run(model, io, failures[t]) != expected_[t] && failures[t].empty())
            failures[t] = "run " + std::to_string(r) + " gave another answer";
      });
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  }

  kiln_model* reference_model_ = nullptr;
  std::vector<std::vector<float>> expected_;
};

TEST_F(ConcurrentRuns, OneHandlePerThread) {
  std::vector<kiln_model*> models(kThreads, nullptr);
  for (kiln_model*& model : models) {
    ASSERT_EQ(kiln_model_open(artifact(), &model), KILN_OK) << kiln_last_error();
    ASSERT_EQ(kiln_model_set_num_threads(model, 2), KILN_OK);
  }
  runOnThreads([&](int t) { return models[t]; });
  for (kiln_model* model : models) kiln_model_close(model);
}

TEST_F(ConcurrentRuns, OneHandleSharedByEveryThread) {
  kiln_model* shared = nullptr;
  ASSERT_EQ(kiln_model_open(artifact(), &shared), KILN_OK) << kiln_last_error();
  runOnThreads([&](int) { return shared; });
  kiln_model_close(shared);
}

}  // namespace
