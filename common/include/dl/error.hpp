#pragma once
// The error hierarchy. Every message says what was wrong, where, and what to do about it.
// Errors are thrown by DL_CHECK (always on, unlike assert) and caught at main, which prints one
// line on stderr and exits non-zero.

#include <sstream>
#include <stdexcept>
#include <string>

namespace dl {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Wrong shapes, sizes or arguments passed to an op (a programming error in the caller).
class ShapeError : public Error {
public:
    using Error::Error;
};

// A file that is missing, unreadable, truncated or corrupt.
class DataError : public Error {
public:
    using Error::Error;
};

// A bad command-line value: main exits 2 for these.
class UsageError : public Error {
public:
    using Error::Error;
};

// An exercise the learner has not written yet (thrown by DL_TODO in exercises/).
class NotImplemented : public Error {
public:
    using Error::Error;
};

namespace detail {
[[noreturn]] void throw_check_failed(const char* condition, const std::string& message, const char* file,
                                     int line);
}  // namespace detail

}  // namespace dl

// DL_CHECK(cond, message-stream): throws dl::Error with the message when cond is false.
// The message is a stream expression: DL_CHECK(n > 0, "batch size " << n << " must be positive").
#define DL_CHECK(cond, msg)                                                              \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            std::ostringstream dl_check_stream_;                                         \
            dl_check_stream_ << msg;                                                     \
            ::dl::detail::throw_check_failed(#cond, dl_check_stream_.str(), __FILE__, __LINE__); \
        }                                                                                \
    } while (false)

// DL_THROW(Type, message-stream): throw an error of the given type with a streamed message.
#define DL_THROW(Type, msg)                        \
    do {                                           \
        std::ostringstream dl_throw_stream_;       \
        dl_throw_stream_ << msg;                   \
        throw Type(dl_throw_stream_.str());        \
    } while (false)
