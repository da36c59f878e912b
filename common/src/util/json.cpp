#include "dl/util/json.hpp"

#include "dl/error.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dl::util {

Json& Json::set(const std::string& key, Json value) {
    auto* obj = std::get_if<std::shared_ptr<Object>>(&value_);
    DL_CHECK(obj != nullptr, "Json::set('" << key << "') on a value that is not an object");
    for (auto& [k, v] : **obj) {
        if (k == key) {
            v = std::move(value);
            return *this;
        }
    }
    (*obj)->emplace_back(key, std::move(value));
    return *this;
}

Json& Json::push(Json value) {
    auto* arr = std::get_if<std::shared_ptr<Array>>(&value_);
    DL_CHECK(arr != nullptr, "Json::push on a value that is not an array");
    (*arr)->push_back(std::move(value));
    return *this;
}

namespace {
void escape(std::string& out, const std::string& s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}
void newline(std::string& out, int indent, int depth) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * depth), ' ');
}
}  // namespace

void Json::dump_to(std::string& out, int indent, int depth) const {
    if (std::holds_alternative<std::nullptr_t>(value_)) {
        out += "null";
    } else if (const auto* b = std::get_if<bool>(&value_)) {
        out += *b ? "true" : "false";
    } else if (const auto* i = std::get_if<std::int64_t>(&value_)) {
        out += std::to_string(*i);
    } else if (const auto* d = std::get_if<double>(&value_)) {
        if (!std::isfinite(*d)) {
            out += "null";   // JSON has no NaN or infinity
        } else {
            std::ostringstream s;
            s.precision(10);
            s << *d;
            out += s.str();
        }
    } else if (const auto* s = std::get_if<std::string>(&value_)) {
        escape(out, *s);
    } else if (const auto* a = std::get_if<std::shared_ptr<Array>>(&value_)) {
        out += '[';
        for (std::size_t k = 0; k < (*a)->size(); ++k) {
            if (k) out += ',';
            newline(out, indent, depth + 1);
            (**a)[k].dump_to(out, indent, depth + 1);
        }
        if (!(*a)->empty()) newline(out, indent, depth);
        out += ']';
    } else if (const auto* o = std::get_if<std::shared_ptr<Object>>(&value_)) {
        out += '{';
        for (std::size_t k = 0; k < (*o)->size(); ++k) {
            if (k) out += ',';
            newline(out, indent, depth + 1);
            escape(out, (**o)[k].first);
            out += indent < 0 ? ":" : ": ";
            (**o)[k].second.dump_to(out, indent, depth + 1);
        }
        if (!(*o)->empty()) newline(out, indent, depth);
        out += '}';
    }
}

std::string Json::dump(int indent) const {
    std::string out;
    dump_to(out, indent, 0);
    if (indent >= 0) out += '\n';
    return out;
}

}  // namespace dl::util
