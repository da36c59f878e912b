#include "recipe.hpp"

#include "dl/error.hpp"

namespace ch05 {

const std::vector<Recipe>& recipes() {
    static const std::vector<Recipe> all = {
        {"course", {.epochs = 15, .batch_size = 32, .lr = 1e-3, .optimizer = "adam", .schedule = {.kind = "cosine"}},
         false, 0, 0.0, 0.5, 0.0, 0},
        {"best",
         {.epochs = 40, .batch_size = 64, .lr = 2e-3, .optimizer = "adamw", .weight_decay = 0.05,
          .schedule = {.kind = "cosine"}},
         true, 1, 0.0, 0.2, 0.1, 1},
    };
    return all;
}

const Recipe& find_recipe(const std::string& name) {
    for (const auto& r : recipes())
        if (r.name == name) return r;
    DL_THROW(dl::UsageError, "--recipe must be course or best, got '" << name << "'");
}

}  // namespace ch05
