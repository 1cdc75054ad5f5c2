// Lowerings of PyTorch's attention ops into kiln's linear, matmul, softmax, reshape and permute kinds:
// scaled_dot_product_attention, nn.MultiheadAttention's fused inference path (_native_multi_head_attention)
// and nn.TransformerEncoderLayer's (_transformer_encoder_layer_fwd), which TorchScript records when a model
// is traced or scripted in inference mode.
//
// Multi-head attention of a [B, L, E] query against [B, S, E] keys and values with H heads of D = E / H:
//   q, k, v = projections of query, key, value by the three E-row blocks of the packed [3E, E] weight
//   (one linear of 3E outputs, split, when query, key and value are one tensor, as in self-attention);
//   heads: q -> [B, H, L, D], k -> [B, H, D, S] (already transposed for the product), v -> [B, H, S, D];
//   weights = softmax(q k / sqrt(D)) over S; out = weights v -> [B, L, E] -> the output projection.
// Each piece is an op the fusion planner and the GEMM template already know, so the blocks fuse as any
// transformer's would; attention masks are not supported yet (the importer says so).
#include <cmath>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

// [B, L, H*D] -> [B, H, L, D], or with `transposed` [B, H, D, L].
ValueId splitHeads(Ctx& c, ValueId x, int64_t heads, bool transposed) {
  const ir::Shape& s = c.typeOf(x).shape;
  ValueId split = c.emit("reshape", {x}, {{"shape", ir::Shape{s[0], s[1], heads, s[2] / heads}}});
  return c.emit("permute", {split},
                {{"dims", transposed ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3}}});
}

ValueId mergeHeads(Ctx& c, ValueId x) {
  const ir::Shape& s = c.typeOf(x).shape;  // [B, H, L, D]
  ValueId rows = c.emit("permute", {x}, {{"dims", std::vector<int64_t>{0, 2, 1, 3}}});
  return c.emit("reshape", {rows}, {{"shape", ir::Shape{s[0], s[2], s[1] * s[3]}}});
}

struct Attended {
  ValueId output;   // [..., L, D]
  ValueId weights;  // [..., L, S]
};

// softmax(q kt * scale) v, with the keys already transposed to [..., D, S].
Attended attend(Ctx& c, ValueId q, ValueId kt, ValueId v, double scale) {
  ValueId scaled = c.emit("mul", {q, scalarConstant(c, "attention_scale", scale)});
  ValueId scores = c.emit("matmul", {scaled, kt});
  ValueId weights = c.emit("softmax", {scores}, {{"dim", int64_t{-1}}});
  return {c.emit("matmul", {weights, v}), weights};
}

struct Projection {
  ValueId weight, bias;  // [3E, E] and [3E], rows q, k, v
};

// The q, k and v projections of query, key and value: one linear when they are one tensor.
std::vector<ValueId> projectQkv(Ctx& c, ValueId query, ValueId key, ValueId value, Projection in_proj,
                                int64_t embed) {
  if (query == key && key == value) {
    ValueId qkv = c.emit("linear", {query, in_proj.weight, in_proj.bias});
    return c.emitMulti("split", {qkv}, {{"dim", int64_t{-1}}, {"sizes", std::vector<int64_t>(3, embed)}});
  }
  std::vector<ValueId> projected;
  const ValueId inputs[] = {query, key, value};
  for (int64_t p = 0; p < 3; ++p)
    projected.push_back(
        c.emit("linear", {inputs[p], sliceOf(c, in_proj.weight, 0, p * embed, (p + 1) * embed),
                          sliceOf(c, in_proj.bias, 0, p * embed, (p + 1) * embed)}));
  return projected;
}

// Batch-first multi-head attention; returns the projected output and the attention weights per head.
Attended multiHeadAttention(Ctx& c, ValueId query, ValueId key, ValueId value, int64_t embed, int64_t heads,
                            Projection in_proj, Projection out_proj) {
  for (ValueId x : {query, key, value})
    if (c.typeOf(x).rank() != 3 || c.typeOf(x).shape[2] != embed)
      c.unsupported("multi-head attention whose inputs are not batch-first [batch, length, embed_dim]");
  if (embed % heads != 0) c.unsupported("embed_dim not divisible by the number of heads");
  const std::vector<ValueId> qkv = projectQkv(c, query, key, value, in_proj, embed);
  const double scale = 1.0 / std::sqrt(static_cast<double>(embed / heads));
  Attended heads_out = attend(c, splitHeads(c, qkv[0], heads, false), splitHeads(c, qkv[1], heads, true),
                              splitHeads(c, qkv[2], heads, false), scale);
  ValueId projected = c.emit("linear", {mergeHeads(c, heads_out.output), out_proj.weight, out_proj.bias});
  return {projected, heads_out.weights};
}

// aten::_native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
// proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type) -> (output, weights)
std::vector<Binding> nativeMultiHeadAttention(Ctx& c) {
  if (!c.isNone(9)) c.unsupported("attention with a mask");
  Attended a = multiHeadAttention(c, c.tensor(0), c.tensor(1), c.tensor(2), c.toInt(3), c.toInt(4),
                                  {c.tensor(5), c.tensor(6)}, {c.tensor(7), c.tensor(8)});
  ValueId weights = a.weights;
  if (c.toBool(11))
    weights = c.emit("mean", {weights}, {{"dims", std::vector<int64_t>{1}}, {"keepdim", false}});
  return {Binding::tensor(a.output), Binding::tensor(weights)};
}

ValueId layerNorm(Ctx& c, ValueId x, int weight, int bias, double eps) {
  return c.emit("layer_norm", {x, c.tensor(weight), c.tensor(bias)},
                {{"normalized_shape", std::vector<int64_t>{c.typeOf(x).shape.back()}}, {"eps", eps}});
}

// aten::_transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
// proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2,
// ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type): nn.TransformerEncoderLayer.
std::vector<Binding> transformerEncoderLayer(Ctx& c) {
  if (c.numInputs() > 18 && !c.isNone(18)) c.unsupported("an encoder layer with a mask");
  const double eps = c.toDouble(9);
  const bool norm_first = c.toBool(8);
  auto attention = [&](ValueId x) {
    return multiHeadAttention(c, x, x, x, c.toInt(1), c.toInt(2), {c.tensor(3), c.tensor(4)},
                              {c.tensor(5), c.tensor(6)})
        .output;
  };
  auto feedForward = [&](ValueId x) {
    ValueId hidden = c.emit("linear", {x, c.tensor(14), c.tensor(15)});
    hidden = c.toBool(7) ? c.emit("gelu", {hidden}, {{"approximate", std::string("none")}})
                         : c.emit("relu", {hidden});
    return c.emit("linear", {hidden, c.tensor(16), c.tensor(17)});
  };
  ValueId x = c.tensor(0);
  if (norm_first) {
    x = c.emit("add", {x, attention(layerNorm(c, x, 10, 11, eps))});
    x = c.emit("add", {x, feedForward(layerNorm(c, x, 12, 13, eps))});
  } else {
    x = layerNorm(c, c.emit("add", {x, attention(x)}), 10, 11, eps);
    x = layerNorm(c, c.emit("add", {x, feedForward(x)}), 12, 13, eps);
  }
  return {Binding::tensor(x)};
}

// softmax(q k^T * scale) v over [..., L, D] queries and [..., S, D] keys and values, without mask or dropout.
Attended dotProductAttention(Ctx& c, int is_causal, double scale) {
  if (!c.isNone(3)) c.unsupported("attention with a mask");
  if (c.toDouble(4) != 0.0) c.unsupported("attention with dropout (export the model in eval mode)");
  if (c.toBool(is_causal)) c.unsupported("causal attention");
  const ir::Shape& q = c.type(0).shape;
  if (q.size() < 2 || c.type(1).rank() != static_cast<int>(q.size())) c.unsupported("attention on vectors");
  std::vector<int64_t> swap_last(q.size());
  for (size_t d = 0; d < q.size(); ++d) swap_last[d] = static_cast<int64_t>(d);
  std::swap(swap_last[q.size() - 1], swap_last[q.size() - 2]);
  ValueId kt = c.emit("permute", {c.tensor(1)}, {{"dims", swap_last}});
  return attend(c, c.tensor(0), kt, c.tensor(2), scale);
}

double defaultScale(Ctx& c) {
  return 1.0 / std::sqrt(static_cast<double>(c.type(0).shape.back()));
}

// aten::scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale) (PyTorch 2)
std::vector<Binding> scaledDotProductAttention(Ctx& c) {
  const double scale = c.numInputs() > 6 && !c.isNone(6) ? c.toDouble(6) : defaultScale(c);
  return {Binding::tensor(dotProductAttention(c, 5, scale).output)};
}

// aten::_scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, need_attn_weights, is_causal)
// -> (output, weights) (PyTorch 1.13); without need_attn_weights its weights are not computed.
std::vector<Binding> scaledDotProductAttentionWithWeights(Ctx& c) {
  Attended a = dotProductAttention(c, 6, defaultScale(c));
  return {Binding::tensor(a.output), c.toBool(5) ? Binding::tensor(a.weights) : Binding{}};
}

}  // namespace

LoweringTable attentionLowerings() {
  return {{"aten::_native_multi_head_attention", nativeMultiHeadAttention},
          {"aten::_transformer_encoder_layer_fwd", transformerEncoderLayer},
          {"aten::_scaled_dot_product_attention", scaledDotProductAttentionWithWeights},
          {"aten::scaled_dot_product_attention", scaledDotProductAttention}};
}

}  // namespace kiln::frontend
