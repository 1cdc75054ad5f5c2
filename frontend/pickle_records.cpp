#include "frontend/pickle_records.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <vector>

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

// A debug record maps byte offsets of the serialized code to the user's source ranges. LibTorch 1.13 reads
// it (ConcreteSourceRangeUnpickler, not exported) on the first request for a source line, which may come
// from inside jit::ErrorReport::what(): noexcept, so a damaged record there ends the process, and it indexes
// its string table unchecked. Checked here, in its layout:
//   (("FORMAT_WITH_STRING_TABLE", (str, ...), records) | records), records = ((offset, range, ...), ...)
//   range = (source, start, end); LibTorch's own files hold ranges past their text, so those are let be
//   source = ([text index, ...], filename index, line) with a string table, else (text, filename?, line)
class DebugRecordCheck {
 public:
  explicit DebugRecordCheck(const c10::IValue& record) {
    c10::ArrayRef<c10::IValue> top = tuple(record);
    const bool with_table =
        !top.empty() && top[0].isString() && top[0].toStringRef() == "FORMAT_WITH_STRING_TABLE";
    if (with_table) {
      expect(top.size() >= 3, "a string table and records");
      for (const c10::IValue& text : tuple(top[1])) expectString(text);
      table_size_ = static_cast<int64_t>(tuple(top[1]).size());
    }
    for (const c10::IValue& entry : tuple(with_table ? top[2] : record)) {
      c10::ArrayRef<c10::IValue> elements = tuple(entry);
      expect(elements.size() >= 2 && elements[0].isInt(), "a record is (offset, range, ...)");
      checkRange(elements[1], with_table);
    }
  }

 private:
  static void expect(bool condition, const char* layout) {
    if (!condition) throw std::invalid_argument(std::string("expected ") + layout);
  }
  static c10::ArrayRef<c10::IValue> tuple(const c10::IValue& value) {
    expect(value.isTuple(), "a tuple");
    return value.toTupleRef().elements();
  }
  static void expectString(const c10::IValue& value) { expect(value.isString(), "a string"); }
  void checkTableIndex(const c10::IValue& index) const {
    expect(index.isInt() && index.toInt() >= 0 && index.toInt() < table_size_,
           "an index into the string table");
  }

  void checkRange(const c10::IValue& range, bool with_table) const {
    c10::ArrayRef<c10::IValue> elements = tuple(range);
    expect(elements.size() == 3 && elements[1].isInt() && elements[2].isInt(),
           "a range (source, start, end)");
    c10::ArrayRef<c10::IValue> source = tuple(elements[0]);
    expect(source.size() == 3 && source[2].isInt(), "a source (text, filename, line)");
    if (with_table) {
      expect(source[0].isIntList(), "a list of text indices");
      for (const c10::IValue& piece : source[0].toListRef()) checkTableIndex(piece);
      checkTableIndex(source[1]);
    } else {
      expectString(source[0]);
      expect(source[1].isNone() || source[1].isString(), "a filename or None");
    }
  }

  int64_t table_size_ = 0;
};

void checkDebugRecord(const char* data, size_t size, const std::string& path, const std::string& record) {
  try {
    DebugRecordCheck check(torch::jit::unpickle(data, size));
  } catch (const std::exception& e) {  // c10::Error, and the standard library's from unchecked indices
    const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
    fail("'{}' is damaged: its debug record '{}' is unreadable ({}); export the model again", path, record,
         c10_error ? c10_error->what_without_backtrace() : e.what());
  }
}

// Calls check(record name, bytes, size) for every record whose name ends in `suffix`. An unreadable archive
// or record (a failed checksum) is skipped: torch::jit::load says so in its own words.
void forEachRecord(const std::string& path, std::string_view suffix,
                   const std::function<void(const std::string&, const char*, size_t)>& check) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const std::string& record : reader.getAllRecords()) {
      if (!endsWith(record, suffix)) continue;
      auto [bytes, size] = reader.getRecord(record);
      check(record, static_cast<const char*>(bytes.get()), size);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception&) {
  }
}

}  // namespace

void checkPickleLengths(const std::string& path) {
  forEachRecord(path, "pkl", [&](const std::string& record, const char* data, size_t size) {
    checkPickle(reinterpret_cast<const uint8_t*>(data), size, path, record);
  });
}

void checkDebugRecords(const std::string& path) {
  forEachRecord(path, ".debug_pkl", [&](const std::string& record, const char* data, size_t size) {
    checkDebugRecord(data, size, path, record);
  });
}

}  // namespace kiln::frontend
