#pragma once
// summary.json and peak.json: an ordered object of numbers, strings, booleans, nested objects and
// arrays, written by nlohmann/json (Debian's nlohmann-json3-dev). This class keeps the chained
// `set` the chapters write their summaries with; the escaping, the number formatting (the shortest
// text that reads back as the same double) and NaN as null are the library's.

#include "dl/util/files.hpp"   // write_file_atomically, which writes what a Json dumps

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace dl::util {

class Json {
public:
    using Array = std::vector<Json>;

    Json() = default;
    Json(double v) : value_(v) {}
    Json(int v) : value_(static_cast<std::int64_t>(v)) {}
    Json(std::int64_t v) : value_(v) {}
    Json(std::size_t v) : value_(static_cast<std::int64_t>(v)) {}
    Json(bool v) : value_(v) {}
    Json(const char* v) : value_(std::string(v)) {}
    Json(std::string v) : value_(std::move(v)) {}
    Json(const Array& v);
    static Json object() { return Json(nlohmann::ordered_json::object()); }

    // Sets (or replaces) a key of an object; returns *this for chaining.
    Json& set(const std::string& key, Json value);
    // Appends to an array.
    Json& push(Json value);

    // Compact when indent < 0, else pretty-printed with that many spaces and a final newline.
    std::string dump(int indent = 2) const;

private:
    explicit Json(nlohmann::ordered_json v) : value_(std::move(v)) {}
    nlohmann::ordered_json value_;
};

}  // namespace dl::util
