#pragma once
// The language models' test helpers (chapters 6 and 7): the King James Bible, produced once per
// test program (the `bible` program takes 0.04 s), and whether two models hold the same weights.

#include "dl/data/text.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/testing/temp_dir.hpp"

#include <cstring>

namespace dl::testing {

inline const data::TextCorpus& bible() {
    static const data::TextCorpus corpus = [] {
        TempDir dir;
        return data::corpus_from_utf8(data::king_james_bible(dir.path / "kjv.txt"), "the King James Bible");
    }();
    return corpus;
}

// Every parameter bit for bit the same.
inline bool same_bits(nn::LanguageModel& a, nn::LanguageModel& b) {
    const auto pa = a.parameters(), pb = b.parameters();
    if (pa.size() != pb.size()) return false;
    for (std::size_t i = 0; i < pa.size(); ++i)
        if (pa[i]->value.shape() != pb[i]->value.shape() ||
            std::memcmp(pa[i]->value.data(), pb[i]->value.data(), pa[i]->value.size() * sizeof(float)) != 0)
            return false;
    return true;
}

}  // namespace dl::testing
