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
// transformer's would. A mask is added to the scores before the softmax: 0 where a key is attended, -inf
// where it is not (a float mask is that addend already; a bool one becomes it through where).
#include <cmath>
#include <limits>
#include <optional>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

// [B, L, H*D] -> [B, H, L, D], or with `transposed` [B, H, D, L].
ValueId splitHeads(Ctx& c, ValueId x, int64_t heads, bool transposed) {
  const ir::Shape s = c.typeOf(x).shape;
  ValueId split = c.emit("reshape", {x}, {{"shape", ir::Shape{s[0], s[1], heads, s[2] / heads}}});
  return c.emit("permute", {split},
                {{"dims", transposed ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3}}});
}

ValueId mergeHeads(Ctx& c, ValueId x) {
  const ir::Shape s = c.typeOf(x).shape;  // [B, H, L, D]
  ValueId rows = c.emit("permute", {x}, {{"dims", std::vector<int64_t>{0, 2, 1, 3}}});
  return c.emit("reshape", {rows}, {{"shape", ir::Shape{s[0], s[2], s[1] * s[3]}}});
}

struct Attended {
  ValueId output;   // [..., L, D]
  ValueId weights;  // [..., L, S]
};

// The addend of the scores for `mask`: a float mask itself; for a bool one, 0 where it is `allows` and -inf
// elsewhere (scaled_dot_product_attention's true means "attend", nn.MultiheadAttention's "do not").
ValueId additiveMask(Ctx& c, ValueId mask, bool allows) {
  if (c.typeOf(mask).dtype == ir::DType::Float32) return mask;
  const ValueId open = scalarConstant(c, "attended", 0.0),
                blocked = scalarConstant(c, "masked", -std::numeric_limits<double>::infinity());
  return c.emit("where",
                {castTo(c, mask, ir::DType::Bool), allows ? open : blocked, allows ? blocked : open});
}

// softmax(q kt * scale + mask) v, with the keys already transposed to [..., D, S] and the mask additive.
Attended attend(Ctx& c, ValueId q, ValueId kt, ValueId v, double scale, std::optional<ValueId> mask = {}) {
  ValueId scaled = c.emit("mul", {q, scalarConstant(c, "attention_scale", scale)});
  ValueId scores = c.emit("matmul", {scaled, kt});
  if (mask) scores = c.emit("add", {scores, *mask});
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

// The additive mask of the fused attention ops (mask true: not attended) for scores [B, H, L, S]: mask_type
// 1 is a key padding mask [B, S], 0 an attention mask [L, S], None one that broadcasts as it is.
std::optional<ValueId> fusedAttentionMask(Ctx& c, int mask, int mask_type) {
  if (mask >= c.numInputs() || c.isNone(mask)) return std::nullopt;
  ValueId additive = additiveMask(c, c.tensor(mask), false);
  if (mask_type < c.numInputs() && !c.isNone(mask_type) && c.toInt(mask_type) == 1) {
    const ir::Shape padding = c.typeOf(additive).shape;
    if (padding.size() != 2) c.unsupported("a key padding mask that is not [batch, length]");
    additive = reshapeTo(c, additive, {padding[0], 1, 1, padding[1]});
  }
  return additive;
}

void checkBatchFirst(Ctx& c, ValueId x, int64_t embed) {
  if (c.typeOf(x).rank() != 3 || c.typeOf(x).shape[2] != embed)
    c.unsupported("multi-head attention whose inputs are not batch-first [batch, length, embed_dim]");
}

// Batch-first multi-head attention; returns the projected output and the attention weights per head.
Attended multiHeadAttention(Ctx& c, ValueId query, ValueId key, ValueId value, int64_t embed, int64_t heads,
                            Projection in_proj, Projection out_proj, std::optional<ValueId> mask) {
  for (ValueId x : {query, key, value}) checkBatchFirst(c, x, embed);
  if (heads < 1 || embed % heads != 0)
    c.unsupported(fmt::format("{} heads for embed_dim {} (the heads must divide it)", heads, embed));
  const std::vector<ValueId> qkv = projectQkv(c, query, key, value, in_proj, embed);
  const double scale = 1.0 / std::sqrt(static_cast<double>(embed / heads));
  Attended heads_out = attend(c, splitHeads(c, qkv[0], heads, false), splitHeads(c, qkv[1], heads, true),
                              splitHeads(c, qkv[2], heads, false), scale, mask);
  ValueId projected = c.emit("linear", {mergeHeads(c, heads_out.output), out_proj.weight, out_proj.bias});
  return {projected, heads_out.weights};
}

// aten::_native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
// proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type) -> (output, weights)
std::vector<Binding> nativeMultiHeadAttention(Ctx& c) {
  Attended a = multiHeadAttention(c, c.tensor(0), c.tensor(1), c.tensor(2), c.toInt(3), c.toInt(4),
                                  {c.tensor(5), c.tensor(6)}, {c.tensor(7), c.tensor(8)},
                                  fusedAttentionMask(c, 9, 12));
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
  const double eps = c.toDouble(9);
  const bool norm_first = c.toBool(8);
  const std::optional<ValueId> mask = fusedAttentionMask(c, 18, 19);
  auto attention = [&](ValueId x) {
    return multiHeadAttention(c, x, x, x, c.toInt(1), c.toInt(2), {c.tensor(3), c.tensor(4)},
                              {c.tensor(5), c.tensor(6)}, mask)
        .output;
  };
  auto feedForward = [&](ValueId x) {
    ValueId hidden = c.emit("linear", {x, c.tensor(14), c.tensor(15)});
    hidden = c.toBool(7) ? c.emit("gelu", {hidden}, {{"approximate", std::string("none")}})
                         : c.emit("relu", {hidden});
    return c.emit("linear", {hidden, c.tensor(16), c.tensor(17)});
  };
  ValueId x = c.tensor(0);
  checkBatchFirst(c, x, c.toInt(1));  // before a first layer norm reads its last dimension
  if (norm_first) {
    x = c.emit("add", {x, attention(layerNorm(c, x, 10, 11, eps))});
    x = c.emit("add", {x, feedForward(layerNorm(c, x, 12, 13, eps))});
  } else {
    x = layerNorm(c, c.emit("add", {x, attention(x)}), 10, 11, eps);
    x = layerNorm(c, c.emit("add", {x, feedForward(x)}), 12, 13, eps);
  }
  return {Binding::tensor(x)};
}

// The causal mask of L queries against S keys: query i attends keys 0..i (PyTorch's tril of ones(L, S)).
ValueId causalMask(Ctx& c, int64_t queries, int64_t keys) {
  std::vector<float> addend(queries * keys);
  for (int64_t i = 0; i < queries; ++i)
    for (int64_t j = 0; j < keys; ++j)
      addend[i * keys + j] = j <= i ? 0.0f : -std::numeric_limits<float>::infinity();
  return c.addConstant("causal_mask", ir::Tensor({queries, keys}, std::move(addend)));
}

// softmax(q k^T * scale + mask) v over [..., L, D] queries and [..., S, D] keys and values, without dropout;
// a bool attn_mask says which keys each query attends. The scale is argument `scale` where the op has one
// and it is not None (`scale` < 0: the op has none), else 1 / sqrt(D).
Attended dotProductAttention(Ctx& c, int is_causal, int scale) {
  if (c.toDouble(4) != 0.0) c.unsupported("attention with dropout (export the model in eval mode)");
  const ir::Shape q = c.type(0).shape;
  if (q.size() < 2 || c.type(1).rank() != static_cast<int>(q.size())) c.unsupported("attention on vectors");
  const double factor = scale >= 0 && scale < c.numInputs() && !c.isNone(scale)
                            ? c.toDouble(scale)
                            : 1.0 / std::sqrt(static_cast<double>(q.back()));
  std::optional<ValueId> mask;
  if (!c.isNone(3)) mask = additiveMask(c, c.tensor(3), true);
  if (c.toBool(is_causal)) {
    if (mask) c.unsupported("causal attention with a mask as well");
    mask = causalMask(c, q[q.size() - 2], c.type(1).shape[q.size() - 2]);
  }
  std::vector<int64_t> swap_last(q.size());
  for (size_t d = 0; d < q.size(); ++d) swap_last[d] = static_cast<int64_t>(d);
  std::swap(swap_last[q.size() - 1], swap_last[q.size() - 2]);
  ValueId kt = c.emit("permute", {c.tensor(1)}, {{"dims", swap_last}});
  return attend(c, c.tensor(0), kt, c.tensor(2), factor, mask);
}

// aten::scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale) (PyTorch 2)
std::vector<Binding> scaledDotProductAttention(Ctx& c) {
  return {Binding::tensor(dotProductAttention(c, 5, 6).output)};
}

// aten::_scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, need_attn_weights, is_causal)
// -> (output, weights) (PyTorch 1.13); without need_attn_weights its weights are not computed.
std::vector<Binding> scaledDotProductAttentionWithWeights(Ctx& c) {
  Attended a = dotProductAttention(c, 6, -1);
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
