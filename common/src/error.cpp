#include "dl/error.hpp"

#include "dl/exercise.hpp"

#include <string_view>

namespace dl {

namespace {
// "/home/me/dlfs/exercises/ch01_perceptron/dot.cpp" -> "exercises/ch01_perceptron/dot.cpp"
std::string repo_relative(std::string_view path) {
    for (const std::string_view top : {"exercises/", "solutions/", "common/", "chapters/", "cuda/", "tests/"}) {
        if (const auto at = path.rfind(top); at != std::string_view::npos) return std::string(path.substr(at));
    }
    return std::string(path);
}
}  // namespace

namespace detail {

void throw_check_failed(const char* condition, const std::string& message, const char* file, int line) {
    std::ostringstream out;
    out << message << " (check '" << condition << "' failed at " << repo_relative(file) << ':' << line << ')';
    throw Error(out.str());
}

void throw_not_implemented(const char* exercise, const char* file) {
    const std::string_view name(exercise);
    const std::string rel = repo_relative(file);
    // exercises/ch01_perceptron/dot.cpp -> chapters/ch01_perceptron/README.md
    std::string chapter_dir;
    if (const auto first = rel.find('/'); first != std::string::npos) {
        const auto second = rel.find('/', first + 1);
        chapter_dir = rel.substr(first + 1, second - first - 1);
    }
    std::string anchor(name.substr(name.find('.') + 1));
    for (char& c : anchor)
        if (c == '_') c = '-';
    std::ostringstream out;
    out << "NotImplemented: " << name << " is not implemented yet: write it in " << rel
        << " (lesson: chapters/" << chapter_dir << "/README.md#" << anchor << "), or take chapter "
        << name.substr(0, name.find('.')) << " from the reference: --solutions " << name.substr(0, name.find('.'));
    throw NotImplemented(out.str());
}

}  // namespace detail
}  // namespace dl
