#pragma once
// A small JSON writer for summary.json and peak.json: an ordered object of numbers, strings,
// booleans, nested objects and arrays. (Reading JSON is only needed by scripts, in Python.)

#include "dl/util/files.hpp"   // write_file_atomically, which writes what a Json dumps

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace dl::util {

class Json {
public:
    using Object = std::vector<std::pair<std::string, Json>>;   // keeps insertion order
    using Array = std::vector<Json>;

    Json() : value_(nullptr) {}
    Json(double v) : value_(v) {}
    Json(int v) : value_(static_cast<std::int64_t>(v)) {}
    Json(std::int64_t v) : value_(v) {}
    Json(std::size_t v) : value_(static_cast<std::int64_t>(v)) {}
    Json(bool v) : value_(v) {}
    Json(const char* v) : value_(std::string(v)) {}
    Json(std::string v) : value_(std::move(v)) {}
    Json(Array v) : value_(std::make_shared<Array>(std::move(v))) {}
    static Json object() { return Json(std::make_shared<Object>()); }

    // Sets (or replaces) a key of an object; returns *this for chaining.
    Json& set(const std::string& key, Json value);
    // Appends to an array.
    Json& push(Json value);

    // Compact when indent < 0, else pretty-printed with that many spaces.
    std::string dump(int indent = 2) const;

private:
    explicit Json(std::shared_ptr<Object> o) : value_(std::move(o)) {}
    void dump_to(std::string& out, int indent, int depth) const;
    std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, std::shared_ptr<Array>,
                 std::shared_ptr<Object>>
        value_;
};


}  // namespace dl::util
