#pragma once
// The language models' test text (chapters 6 and 7): the King James Bible, produced once per
// test program (the `bible` program takes 0.04 s).

#include "dl/data/text.hpp"
#include "dl/testing/temp_dir.hpp"

namespace dl::testing {

inline const data::TextCorpus& bible() {
    static const data::TextCorpus corpus = [] {
        TempDir dir;
        return data::corpus_from_utf8(data::king_james_bible(dir.path / "kjv.txt"), "the King James Bible");
    }();
    return corpus;
}

}  // namespace dl::testing
