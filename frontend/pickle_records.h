// A .pt file's pickles (data.pkl, constants.pkl, and the code's debug records) describe the module. LibTorch
// 1.13's unpickler believes the lengths and memo slots they state: a string that claims 12 GB in a 100 KB
// file makes it allocate and zero 12 GB before it finds the file ends, and the machine runs out of memory.
// checkPickleRecords walks every pickle's opcodes before LibTorch reads the file and refuses a length that
// runs past its record, or a memo slot no pickle of that size can fill. It reads opcodes only as far as it
// knows them; what it stops at is LibTorch's to refuse. The debug records, which LibTorch reads only when it
// needs a source line, are unpickled here too, where a damaged one can be reported.
#pragma once

#include <string>

namespace kiln::frontend {

// Throws kiln::Error naming the file and the record when a pickle states a length or slot it cannot hold.
void checkPickleRecords(const std::string& path);

}  // namespace kiln::frontend
