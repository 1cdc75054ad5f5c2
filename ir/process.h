// Running the external tools kiln relies on (the system linker and archiver, Graphviz `dot`) with their
// output captured, so that a failure becomes one kiln::Error carrying what the tool said.
#pragma once

#include <string>
#include <vector>

namespace kiln {

// Runs argv[0] (found on PATH) with the given arguments and waits for it. Throws kiln::Error naming the tool,
// `what` it was asked to do and `hint` (how to get the tool) when it cannot start, and the tool's output when
// it exits with a non-zero status.
void runTool(const std::vector<std::string>& argv, const std::string& what, const std::string& hint);

}  // namespace kiln
