#pragma once
// DL_TODO marks an exercise body the learner has not written yet. It throws dl::NotImplemented with
// a message that names the exercise, the file to open and the lesson section to read:
//
//   NotImplemented: ch01.sigmoid_forward is not implemented yet: write it in
//   exercises/ch01_perceptron/logistic.cpp (lesson: chapters/ch01_perceptron/README.md#sigmoid-forward),
//   or take chapter ch01 from the reference: --solutions ch01
//
// The lesson anchor is the exercise name after the dot with '_' written as '-', so the lesson has a
// heading such as "### Sigmoid forward" for every exercise (scripts/check-exercises verifies it).

#include "dl/error.hpp"

namespace dl::detail {
[[noreturn]] void throw_not_implemented(const char* exercise, const char* file);
}  // namespace dl::detail

#define DL_TODO(exercise) ::dl::detail::throw_not_implemented(exercise, __FILE__)
