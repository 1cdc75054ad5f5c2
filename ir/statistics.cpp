#include "ir/statistics.h"

#include <algorithm>
#include <cmath>

namespace kiln {

double median(std::vector<double> samples) {
  return percentile(std::move(samples), 50);
}

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * samples.size()));
  return samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace kiln
