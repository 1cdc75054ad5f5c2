// A .pt file's pickles (data.pkl, constants.pkl, and the code's debug records) describe the module, and
// LibTorch 1.13's unpickler believes them.
//
// checkPickleLengths walks every pickle's opcodes before LibTorch reads any: a string that claims 12 GB in a
// 44 KB file made LibTorch allocate and zero 12 GB before it found the file ends. It refuses a length that
// runs past its record, or a memo slot no pickle of that size can fill; it reads opcodes only as far as it
// knows them, and what it stops at is LibTorch's to refuse.
//
// checkDebugRecords unpickles the debug records, which LibTorch reads only when it needs a source line, and
// checks their layout, where a damaged one can be reported. It runs LibTorch's unpickler, which a crafted
// pickle can crash, so the importer runs it only in a forked child (torchscript_importer.cpp).
#pragma once

#include <string>

namespace kiln::frontend {

// Throws kiln::Error naming the file and the record when a pickle states a length or slot it cannot hold.
void checkPickleLengths(const std::string& path);

// Throws kiln::Error naming the file and the record when a debug record does not unpickle into its layout.
void checkDebugRecords(const std::string& path);

}  // namespace kiln::frontend
