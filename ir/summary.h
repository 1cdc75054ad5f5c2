// Whole-graph figures a person asks for first: op histogram, parameter count and bytes, FLOPs, and the
// multiply-adds of the compute-heavy ops (the figure model cards publish).
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"

namespace kiln::ir {

struct OpKindStats {
  int count = 0;
  int64_t flops = 0;
  MappingType mapping = MappingType::OneToOne;  // the most complex mapping among this kind's ops
};

struct GraphSummary {
  int ops = 0;
  int64_t parameters = 0;  // elements of all constants
  int64_t parameter_bytes = 0;
  int64_t flops = 0;
  int64_t macs = 0;  // multiply-adds of conv2d, linear and matmul
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  std::map<std::string, OpKindStats> by_kind;
};

GraphSummary summarize(const Graph& graph);
MappingType mappingOf(const Graph& graph, const Op& op);

}  // namespace kiln::ir
