#include "dl/util/json.hpp"

#include "dl/error.hpp"

namespace dl::util {

Json::Json(const Array& v) : value_(nlohmann::ordered_json::array()) {
    for (const Json& item : v) value_.push_back(item.value_);
}

Json& Json::set(const std::string& key, Json value) {
    DL_CHECK(value_.is_object(), "Json::set('" << key << "') on a value that is not an object");
    value_[key] = std::move(value.value_);
    return *this;
}

Json& Json::push(Json value) {
    DL_CHECK(value_.is_array(), "Json::push on a value that is not an array");
    value_.push_back(std::move(value.value_));
    return *this;
}

std::string Json::dump(int indent) const {
    // JSON has no NaN or infinity: the library writes them as null. Text that is not UTF-8 (a
    // prompt typed in another encoding) is replaced character by character rather than refused.
    std::string out = value_.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    if (indent >= 0) out += '\n';
    return out;
}

}  // namespace dl::util
