// The aten ops kiln decomposes at import (pad, flip, roll, repeat, pixel shuffle, index_select, 1-D and
// transposed convolutions, 1-D and adaptive pooling, group/instance norm, var/std/norm, log_softmax,
// logsumexp, cumsum, einsum, rounding division, prelu) and the ops of run-time int64 and bool tensors (type
// promotion, constant masks and indices, argmax, gather, embedding), each in variants the fixtures do not
// reach: the imported IR evaluated op by op with ATen must compute what the scripted one-liner computes.
// Weights are built from arange so that import-time folding and the module's own run see the same values.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <filesystem>

#include "frontend/reference_executor.h"
#include "frontend/torchscript_importer.h"
#include "ir/verifier.h"
#include "tests/frontend/zoo_test_support.h"

namespace kiln::frontend {
namespace {

struct Case {
  const char* name;
  ir::Shape input;
  const char* body;  // the body of forward(self, x)
};

// Max abs error at most 1e-5 of the output's scale, as the zoo import tests.
constexpr double kDecompositionTolerance = 1e-5;

const Case kCases[] = {
    {"pad_constant_negative", {2, 3, 6}, "return torch.constant_pad_nd(x, [2, -1, -1, 3], 0.5)"},
    {"pad_reflect_1d", {2, 3, 7}, "return torch.pad(x, [3, 6], 'reflect')"},
    {"pad_replicate_3d", {1, 2, 3, 4, 5}, "return torch.pad(x, [1, 0, 2, 1, 0, 3], 'replicate')"},
    {"pad_circular_2d", {1, 2, 4, 5}, "return torch.pad(x, [5, 2, 0, 4], 'circular')"},
    {"flip_two_dims", {2, 3, 4}, "return x.flip([0, -1])"},
    {"roll_flat", {3, 5}, "return x.roll(4)"},
    {"roll_two_dims", {3, 5, 2}, "return x.roll([-7, 1], [1, 0])"},
    {"repeat_new_dims", {3, 2}, "return x.repeat(2, 1, 3)"},
    {"tile_short", {2, 3, 2}, "return x.tile([2])"},
    {"stack_last", {2, 3}, "return torch.stack([x, x * 2.0, -x], -1)"},
    {"pixel_shuffle_unbatched", {8, 3, 5}, "return torch.pixel_shuffle(x, 2)"},
    {"pixel_unshuffle_batched", {2, 1, 6, 9}, "return torch.pixel_unshuffle(x, 3)"},
    {"index_select_repeated", {4, 6}, "return x.index_select(1, torch.tensor([5, 0, 1, 2, 2, 3]))"},
    {"conv_transpose2d_strided_dilated_grouped",
     {1, 6, 4, 5},
     "w = torch.arange(6 * 2 * 3 * 2).float().reshape(6, 2, 3, 2).sin()\n"
     "    return torch.conv_transpose2d(x, w, None, [3, 1], [1, 0], [2, 0], 3, [2, 1])"},
    {"conv_transpose1d_bias",
     {2, 3, 7},
     "w = torch.arange(3 * 4 * 5).float().reshape(3, 4, 5).cos()\n"
     "    return torch.conv_transpose1d(x, w, torch.ones(4), 2, 2, 1)"},
    {"conv1d_same_even_kernel",
     {1, 2, 9},
     "w = torch.arange(3 * 2 * 4).float().reshape(3, 2, 4).sin()\n"
     "    return torch.conv1d(x, w, None, 1, 'same', 3)"},
    {"conv2d_same_4x3",
     {1, 2, 6, 7},
     "w = torch.arange(2 * 2 * 4 * 3).float().reshape(2, 2, 4, 3).sin()\n"
     "    return torch.conv2d(x, w, None, 1, 'same')"},
    {"max_pool1d_unbatched", {3, 10}, "return torch.max_pool1d(x, 3, 2, 1, 1, True)"},
    {"avg_pool1d_ceil", {2, 3, 10}, "return torch.avg_pool1d(x, 4, 3, 1, True, False)"},
    {"avg_pool2d_divisor_override",
     {1, 2, 7, 6},
     "return torch.avg_pool2d(x, [3, 3], [2, 2], [1, 1], False, True, 4)"},
    {"adaptive_max_pool2d_uneven", {1, 3, 7, 5}, "return torch.adaptive_max_pool2d(x, [3, 4])[0]"},
    {"adaptive_avg_pool1d", {2, 3, 11}, "return torch.adaptive_avg_pool1d(x, [4])"},
    {"group_norm_plain_rank3", {2, 6, 5}, "return torch.group_norm(x, 3)"},
    {"instance_norm_1d",
     {2, 3, 8},
     "return torch.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)"},
    {"var_correction_all", {3, 4}, "return torch.var(x, None, correction=0)"},
    {"std_all_unbiased", {3, 4}, "return x.std()"},
    {"norm_p3", {2, 5}, "return x.norm(3.0, -1)"},
    {"norm_inf", {2, 5}, "return torch.linalg_vector_norm(x, float('inf'), [0])"},
    {"frobenius", {3, 4}, "return torch.norm(x)"},
    {"logsumexp_two_dims", {2, 3, 4}, "return torch.logsumexp(x, [0, 2])"},
    {"cumsum_first", {5, 3}, "return x.cumsum(0)"},
    {"log_softmax_first", {4, 3}, "return torch.log_softmax(x, 0)"},
    {"max_min_dim_values", {3, 4}, "return x.max(1)[0] - x.min(0, True)[0].sum() + x.max() + x.min()"},
    {"einsum_batched_ellipsis", {2, 3, 4}, "return torch.einsum('...ij,...kj->...ik', x, x)"},
    {"einsum_attention_scores", {2, 3, 4, 5}, "return torch.einsum('bhqd,bhkd->bhqk', x, x * 0.5)"},
    {"einsum_transpose", {3, 4}, "return torch.einsum('ij->ji', x)"},
    {"einsum_total", {3, 4}, "return torch.einsum('ij->', x)"},
    {"einsum_implicit", {3, 3}, "return torch.einsum('ij,jk', x, x)"},
    {"einsum_outer", {4}, "return torch.einsum('i,j->ij', x, x + 1.0)"},
    {"einsum_ellipses_of_two_ranks",
     {3, 3, 2, 2},
     "return torch.einsum('...ij,...jk->...ik', x, x[0] * 0.5)"},
    {"einsum_implicit_ellipsis", {2, 3, 3}, "return torch.einsum('...ij,...jk', x, x.flip(0))"},
    {"einsum_uppercase_beside_ellipsis", {3, 4}, "return torch.einsum('iA,...->', x, x[1])"},
    {"div_rounding",
     {3, 4},
     "return torch.div(x * 3.0, 0.7, rounding_mode='floor') - torch.div(x * 3.0, -0.4, "
     "rounding_mode='trunc')"},
    {"remainder_fmod", {3, 4}, "return torch.remainder(x * 5.0, 1.5) + torch.fmod(x * 5.0, -1.5) + x // 0.3"},
    {"prelu_single", {2, 3, 4}, "return torch.prelu(x, torch.tensor([0.25]))"},
    {"addmm_scaled",
     {3, 4},
     "return torch.addmm(torch.ones(3, 2), x, x.t()[:, :2], beta=0.0, alpha=-1.5) + torch.addmm(x[:, 1], x, "
     "x.t(), beta=0.5, alpha=2.0).sum()"},
    {"integer_constant_promotes", {2, 5}, "return x + torch.arange(x.size(1)) * 2"},
    {"bool_arithmetic_and_sum",
     {3, 4},
     "return (x > 0) * x + (x < 0).sum(-1, keepdim=True) - (x > 1).float().mean()"},
    {"causal_mask_constant",
     {2, 4, 4},
     "return x.masked_fill(torch.triu(torch.ones(4, 4), 1).to(11), float('-inf')).softmax(-1)"},
    {"argmax_flat_keepdim", {3, 4}, "return torch.argmax(x, keepdim=True) + torch.argmin(x)"},
    {"where_scalar_values", {2, 3}, "return torch.where(x > 0, 1.0, x) + torch.where(x < 0.5, x, -2.0)"},
    {"index_select_run_time", {3, 4}, "return x.index_select(1, x.argmax(1))"},
    {"gather_first_dim", {3, 4}, "return x.gather(0, x.argmin(0, True).expand(2, -1))"},
    {"embedding_run_time", {5, 3}, "return torch.embedding(x, x.argmax(-1).flip(0)) * 2.0"},
    {"max_indices_as_float", {3, 4}, "return x.max(1)[1].float().sum() + x.min(0, True)[1]"},
    {"to_dtype_round_trip",
     {2, 6},
     "return (x * 3.0).to(4).to(6) + x.to(11).type_as(x) + x.to(torch.device('cpu'), 4)"},
    {"topk_smallest_first_dim", {5, 3}, "return torch.topk(x, 2, 0, False)[0] + torch.topk(x, 3)[1][:2]"},
    {"sort_descending_and_argsort", {3, 6}, "return torch.sort(x, 1, True)[0] * torch.argsort(x, 0).float()"},
    {"integer_arithmetic", {2, 5}, "return (x.argmax(1) * 3 + 1) // 2 - x.argmin(1) % 2 + (x > 0).sum()"},
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class AtenDecompositions : public ::testing::TestWithParam<Case> {};

TEST_P(AtenDecompositions, MatchTorchScript) {
  const Case& c = GetParam();
  torch::jit::Module module("m");
  module.define(std::string("def forward(self, x):\n    ") + c.body + "\n");
  const std::string path =
      (std::filesystem::temp_directory_path() / (std::string("kiln_decomposition_") + c.name + ".pt"))
          .string();
  module.save(path);
  ImportOptions options;
  options.input_shapes = {c.input};
  const ir::Graph graph = importTorchScript(path, options);
  ASSERT_TRUE(ir::verify(graph).empty());
  at::manual_seed(7);
  const at::Tensor input = at::randn(c.input);
  at::Tensor expected;
  {
    at::NoGradGuard no_grad;
    expected = module.forward({input}).toTensor();
  }
  const at::Tensor actual = ReferenceExecutor(graph).run({input})[0];
  ASSERT_EQ(actual.sizes(), expected.sizes());
  EXPECT_EQ(actual.scalar_type(), expected.scalar_type()) << c.body;
  const double error = kiln::testing::scaledMaxError(actual, expected);
  EXPECT_LE(error, kDecompositionTolerance) << c.body;
}

INSTANTIATE_TEST_SUITE_P(Variants, AtenDecompositions, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kiln::frontend
