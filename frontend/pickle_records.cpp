#include "frontend/pickle_records.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "ir/error.h"

namespace kiln::frontend {
namespace {

// How an opcode's argument is laid out (Python's Lib/pickletools.py lists them all).
struct Argument {
  enum Kind { kNone, kFixed, kCounted, kMemoSlot, kLines, kUnknown } kind;
  int width = 0;  // kFixed: bytes; kCounted and kMemoSlot: the little-endian integer's bytes; kLines: lines
};

// Opcodes by argument layout, named in the comments in the order listed.
struct OpcodeGroup {
  std::string_view opcodes;
  Argument argument;
};
constexpr OpcodeGroup kOpcodeGroups[] = {
    {"Kh\x80\x82", {Argument::kFixed, 1}},      // BININT1 BINGET PROTO EXT1
    {"M\x83", {Argument::kFixed, 2}},           // BININT2 EXT2
    {"Jj\x84", {Argument::kFixed, 4}},          // BININT LONG_BINGET EXT4
    {"G\x95", {Argument::kFixed, 8}},           // BINFLOAT FRAME
    {"q", {Argument::kMemoSlot, 1}},            // BINPUT
    {"r", {Argument::kMemoSlot, 4}},            // LONG_BINPUT
    {"UC\x8c\x8a", {Argument::kCounted, 1}},    // SHORT_BINSTRING SHORT_BINBYTES SHORT_BINUNICODE LONG1
    {"TBX\x8b", {Argument::kCounted, 4}},       // BINSTRING BINBYTES BINUNICODE LONG4
    {"\x8d\x8e\x96", {Argument::kCounted, 8}},  // BINUNICODE8 BINBYTES8 BYTEARRAY8
    {"ILFSVgpP", {Argument::kLines, 1}},        // INT LONG FLOAT STRING UNICODE GET PUT PERSID
    {"ci", {Argument::kLines, 2}},              // GLOBAL INST
    // MARK STOP POP POP_MARK DUP NONE REDUCE EMPTY_LIST APPEND BUILD DICT EMPTY_DICT APPENDS LIST
    // EMPTY_TUPLE SETITEM TUPLE SETITEMS OBJ BINPERSID, then NEWOBJ and TUPLE1 ... READONLY_BUFFER
    {"(.012NR]abd}el)stuoQ\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98", {Argument::kNone}},
};

Argument argumentOf(uint8_t opcode) {
  for (const OpcodeGroup& group : kOpcodeGroups)
    if (group.opcodes.find(static_cast<char>(opcode)) != std::string_view::npos) return group.argument;
  return {Argument::kUnknown};
}

uint64_t littleEndian(const uint8_t* bytes, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = value << 8 | bytes[i];
  return value;
}

void checkPickle(const uint8_t* data, size_t size, const std::string& path, const std::string& record) {
  size_t at = 0;
  while (at < size) {
    const uint8_t opcode = data[at++];
    if (opcode == '.') return;  // STOP
    const Argument argument = argumentOf(opcode);
    if (argument.kind == Argument::kUnknown) return;
    if (argument.kind == Argument::kLines) {
      for (int line = 0; line < argument.width && at < size; ++line) {
        const void* end = std::memchr(data + at, '\n', size - at);
        at = end ? static_cast<const uint8_t*>(end) - data + 1 : size;
      }
      continue;
    }
    if (size - at < static_cast<size_t>(argument.width)) return;
    const uint64_t value = littleEndian(data + at, argument.width);
    at += argument.width;
    if (argument.kind == Argument::kCounted && value > size - at)
      fail(
          "'{}' is damaged: its record '{}' states a {}-byte item where {} bytes remain; export the model "
          "again",
          path, record, value, size - at);
    if (argument.kind == Argument::kMemoSlot && value > size)
      fail("'{}' is damaged: its record '{}' ({} bytes) names memo slot {}; export the model again", path,
           record, size, value);
    if (argument.kind == Argument::kCounted) at += value;
  }
}

bool endsWith(const std::string& text, std::string_view end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// LibTorch unpickles a debug record on the first request for a source line, which may come from inside
// jit::ErrorReport::what(): noexcept, so a damaged record there ends the process. Unpickled here, it throws
// where it can be reported.
void checkDebugRecord(const char* data, size_t size, const std::string& path, const std::string& record) {
  try {
    torch::jit::unpickle(data, size);
  } catch (const c10::Error& e) {
    fail("'{}' is damaged: its debug record '{}' does not unpickle ({}); export the model again", path,
         record, e.what_without_backtrace());
  }
}

}  // namespace

void checkPickleRecords(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const std::string& record : reader.getAllRecords()) {
      if (!endsWith(record, "pkl")) continue;
      auto [bytes, size] = reader.getRecord(record);
      checkPickle(static_cast<const uint8_t*>(bytes.get()), size, path, record);
      if (endsWith(record, ".debug_pkl"))
        checkDebugRecord(static_cast<const char*>(bytes.get()), size, path, record);
    }
  } catch (const c10::Error&) {
    // Not a readable archive: torch::jit::load says so in its own words.
  }
}

}  // namespace kiln::frontend
