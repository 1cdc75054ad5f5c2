// Building blocks shared by the op definitions in this folder: shape rules (broadcasting, sliding windows,
// dimension normalization), attribute checks, and makers for the two big families of simple kinds
// (unary and binary elementwise) so that each of those files states only what is particular to its kind.
#pragma once

#include <functional>
#include <string_view>

#include "ir/error.h"
#include "ir/op_registry.h"

namespace kiln::ir::ops {

// NumPy/PyTorch broadcasting of two shapes; kiln::Error naming `kind` if they do not broadcast.
Shape broadcastShapes(const Shape& a, const Shape& b, std::string_view kind);
// Maps a possibly negative dimension into [0, rank); kiln::Error if out of range.
int normalizeDim(int64_t dim, int rank, std::string_view kind);
// normalizeDim for an op that indexes the shape with the dimension: a scalar has none (fuzz/ir_text_fuzzer
// found split reading past a rank-0 shape).
int indexDim(int64_t dim, int rank, std::string_view kind);
void expectRank(const OpSignature& sig, int input, int rank, std::string_view kind, std::string_view role);
// The attribute as exactly two positive (or, with allow_zero, non-negative) integers, e.g. stride = [2, 2].
std::vector<int64_t> pairAttr(const OpSignature& sig, const std::string& name, std::string_view kind,
                              bool allow_zero = false);
// Output length of a sliding window (conv, pooling), PyTorch's rule including ceil_mode; kiln::Error if < 1.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                         bool ceil_mode, std::string_view kind);

// The output of 2-D pooling over NCHW input 0 from attributes kernel_size, stride, padding, ceil_mode and
// `dilation`; PyTorch's rules, including that padding may be at most half the kernel.
std::vector<TensorType> pooledOutput(const OpSignature& sig, const std::vector<int64_t>& dilation,
                                     std::string_view kind);

// Adaptive pooling of NCHW input 0 to attribute output_size; window i of n over length L covers
// [floor(i * L / n), ceil((i + 1) * L / n)) (PyTorch's rule).
OpDef adaptivePool2d(std::string kind, std::string description);

// The rows of input a window of `kernel` rows at `dilation` covers, `stride` rows apart.
RowWindow slidingRows(int64_t kernel, int64_t stride, int64_t dilation);

// A tensor of `shape` whose element at each (row-major) index is `source`'s element at the flat offset
// `offset_of(index)`, or `fill` where that offset is negative: the constant folding of the data movement
// kinds (permute, slice, expand, pad, flip).
Tensor gathered(const Tensor& source, const Shape& shape,
                const std::function<int64_t(const std::vector<int64_t>& index)>& offset_of, float fill = 0);
// Row-major strides of `shape` seen through broadcasting to `out` (0 where a dimension is broadcast).
std::vector<int64_t> broadcastStrides(const Shape& shape, const Shape& out);

// Element types of tensors that only move (reshape, permute, slice, ...): any kiln computes with.
inline const std::vector<DType> kAnyDType = {DType::Float32, DType::Int64, DType::Bool};

// An output type equal to input 0's type.
std::vector<TensorType> sameAsInput(const OpSignature& sig);
std::function<MappingType(const OpSignature&)> always(MappingType type);
std::function<int64_t(const OpSignature&, const std::vector<TensorType>&)> flopsPerOutputElement(int64_t n);

using UnaryFn = float (*)(float x, const Attributes& attrs);
using BinaryFn = float (*)(float a, float b);

OpDef unaryElementwise(std::string kind, std::string description, int64_t flops_per_element, UnaryFn fn,
                       std::vector<AttrSpec> attrs = {});
// An op that returns its input unchanged (identity, inference dropout).
OpDef passThrough(std::string kind, std::string description, std::vector<AttrSpec> attrs = {});
// Binary with broadcasting: one-to-one when neither input is broadcast, one-to-many otherwise.
OpDef binaryElementwise(std::string kind, std::string description, BinaryFn fn);
// The mapping of an elementwise op whose inputs broadcast to `out`: one-to-one unless one is broadcast.
MappingType broadcastMapping(const OpSignature& sig, const Shape& out);
// A comparison with broadcasting (eq, ne, lt, ...): float32 operands, a bool result.
OpDef comparison(std::string kind, std::string description);
// Logical ops on bool tensors: binary ones broadcast (logical_and, ...), unary ones map elementwise.
OpDef logicalBinary(std::string kind, std::string description);
OpDef logicalUnary(std::string kind, std::string description);
// The index (int64) of the largest or smallest element along `dim`, the first one where several tie.
OpDef argReduction(std::string kind, std::string description);
// A reduction over the dimensions listed in attribute `dims` (mean, sum, amax, amin), keeping them as size 1
// when `keepdim` is set; `flops_per_output` counts the work after the per-input-element one.
OpDef reduction(std::string kind, std::string description, int64_t flops_per_output);

}  // namespace kiln::ir::ops
