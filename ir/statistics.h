// Order statistics of timing samples, as every benchmark and profile in kiln reports them.
#pragma once

#include <vector>

namespace kiln {

// The median of `samples` (nearest rank); 0 for none.
double median(std::vector<double> samples);
// The p-th percentile (0..100) by nearest rank; 0 for none.
double percentile(std::vector<double> samples, double p);

}  // namespace kiln
