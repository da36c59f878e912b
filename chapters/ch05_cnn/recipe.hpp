#pragma once
// Chapter 5's recipes: the settings that train the classic Keras CNN, as published and at its best.

#include "dl/train/cli.hpp"

#include <string>
#include <vector>

namespace ch05 {

// A recipe is a set of defaults: each option it sets takes the recipe's value unless the command
// line gives one. `course` is the classic Keras model as published; `best` adds, one by one, what
// chapters 3 and 4 teach (the lesson's ablation table measures each step).
struct Recipe {
    const char* name;
    dl::train::CommonOptions common;   // epochs, batch size, rate, optimizer, weight decay, schedule
    bool batch_norm;                   // before each ReLU
    int shift;                         // random shifts of up to this many pixels (0: none)
    double flip;                       // left-right flips with this probability (0: none)
    double dropout;
    double label_smoothing;            // chapter 4's ε (0: one-hot targets)
    int warmup_epochs;                 // the warm-up in epochs, when --warmup-steps is not given (0: none)
};

const std::vector<Recipe>& recipes();

// The recipe called `name`; UsageError naming the recipes for any other name.
const Recipe& find_recipe(const std::string& name);

}  // namespace ch05
