#pragma once
// Pictures of computation graphs: Graphviz DOT text for a scalar engine's Value or a tape's Var,
// and a PNG drawn from it with Graphviz's `dot` (the Debian package graphviz) when it is installed.

#include "dl/ops/tape.hpp"
#include "dl/ops/value.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace dl::chapter8 {

// One box per Value: its op, data and grad; an arrow from each parent to its result.
std::string value_graph_dot(const Value& root, const std::map<const void*, std::string>& names);
// One box per tape node: its op and shape (names for the leaves given); an arrow from each input.
std::string tape_graph_dot(const Var<float>& root, const std::map<const void*, std::string>& names);

// Writes stem.dot, and stem.png with `dot -Tpng` when Graphviz is installed. Returns whether the
// PNG was drawn; warns once on stderr (naming the package to install) when `dot` is missing.
bool draw_graph(const std::string& dot_text, const std::filesystem::path& stem);

}  // namespace dl::chapter8
