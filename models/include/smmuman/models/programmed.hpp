// What a unit's registers and memory say a stream may reach, read afresh from
// them — no cached STE, walk or TLB entry — for translation validation
// (proofs/src/translation_theorems.cpp): a model lists it with its own
// decoding, independently of what the backend believes it wrote.
#pragma once

#include <cstdint>
#include <vector>

namespace sim {

struct ProgrammedLeaf {
  uint64_t input = 0;  // first input address of the page or block
  uint64_t size = 0;   // bytes
  uint64_t output = 0;
  bool read = false, write = false, exec = false;
  uint64_t descriptor = 0;  // physical address of the descriptor that maps it
  uint64_t parent = 0;      // of the table descriptor that led to its table; 0 at the start level
};

struct ProgrammedStream {
  enum class Kind : uint8_t {
    abort,      // every access is refused (an abort configuration, or an invalid one)
    bypass,     // every access passes untranslated
    translate,  // the leaves below, and nothing else
  };
  Kind kind = Kind::abort;
  std::vector<ProgrammedLeaf> leaves;  // in input order
};

}  // namespace sim
