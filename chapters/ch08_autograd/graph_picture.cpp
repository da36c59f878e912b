#include "graph_picture.hpp"

#include "dl/util/files.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <iostream>
#include <sstream>
#include <vector>

extern char** environ;

namespace dl::chapter8 {

namespace {

std::string node_id(const void* p) {
    std::ostringstream s;
    s << "n" << reinterpret_cast<std::uintptr_t>(p);
    return s.str();
}

std::string shape_text(const Shape& s) {
    std::string text;
    for (std::size_t i = 0; i < s.size(); ++i) text += (i ? "×" : "") + std::to_string(s[i]);
    return text;
}

const char* header = "digraph G {\n  rankdir=LR;\n  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n";

}  // namespace

std::string value_graph_dot(const Value& root, const std::map<const void*, std::string>& names) {
    std::ostringstream dot;
    dot << header;
    dot.precision(4);
    for (const Value& v : topological_order(root)) {
        const auto name = names.find(v.id());
        const std::string label = name != names.end() ? name->second : v.op().empty() ? "leaf" : v.op();
        dot << "  " << node_id(v.id()) << " [label=\"{" << label << " | data " << v.data() << " | grad " << v.grad()
            << "}\"" << (v.parent_count() == 0 ? ", style=filled, fillcolor=\"#dde8f5\"" : "") << "];\n";
        for (std::size_t i = 0; i < v.parent_count(); ++i)
            dot << "  " << node_id(v.parent(i).id()) << " -> " << node_id(v.id()) << ";\n";
    }
    dot << "}\n";
    return dot.str();
}

std::string tape_graph_dot(const Var<float>& root, const std::map<const void*, std::string>& names) {
    std::vector<Var<float>> nodes;
    for_each_node(root, [&nodes](const Var<float>& v) { nodes.push_back(v); });
    std::ostringstream dot;
    dot << header;
    // Output first, each node before its inputs (for_each_node's order reversed): dot's layout
    // follows the order it reads, and this one draws the pictures in docs/figures (leaves first
    // lays chapter 7's block out otherwise).
    for (auto v = nodes.rbegin(); v != nodes.rend(); ++v) {
        const auto name = names.find(v->node());
        const std::string label = name != names.end() ? name->second : v->is_leaf() ? "constant" : v->op();
        dot << "  " << node_id(v->node()) << " [label=\"{" << label << " | " << shape_text(v->shape()) << "}\""
            << (v->is_leaf() ? ", style=filled, fillcolor=\"#dde8f5\"" : "") << "];\n";
        for (const Var<float>& in : v->inputs())
            dot << "  " << node_id(in.node()) << " -> " << node_id(v->node()) << ";\n";
    }
    dot << "}\n";
    return dot.str();
}

bool draw_graph(const std::string& dot_text, const std::filesystem::path& stem) {
    const std::filesystem::path dot_file = stem.string() + ".dot", png = stem.string() + ".png";
    util::write_file_atomically(dot_file, dot_text);
    const std::string out_arg = "-o" + png.string();
    std::vector<const char*> argv = {"dot", "-Tpng", dot_file.c_str(), out_arg.c_str(), nullptr};
    pid_t pid = 0;
    if (::posix_spawnp(&pid, "dot", nullptr, nullptr, const_cast<char* const*>(argv.data()), environ) != 0) {
        static bool warned = false;
        if (!warned)
            std::cerr << "warning: Graphviz's dot is not installed, so the graphs are left as .dot files "
                         "(sudo apt install graphviz, or scripts/setup)\n";
        warned = true;
        return false;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::cerr << "warning: dot could not draw " << png.string() << " from " << dot_file.string() << '\n';
        return false;
    }
    return true;
}

}  // namespace dl::chapter8
