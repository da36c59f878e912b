#pragma once
// Mini-batches: a shuffled pass over a dataset's indices, one batch at a time.
//
//   BatchIterator batches(train.size(), 32, rng);
//   for (auto idx = batches.next(); !idx.empty(); idx = batches.next()) {
//       Dataset b = subset(train, idx); ...
//   }

#include "dl/rng.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace dl::data {

class BatchIterator {
public:
    // Batches of batch_size (> 0) indices of 0..n-1, each index once per epoch; the last batch of
    // an epoch may be smaller. shuffle = false keeps the order 0..n-1 (evaluation). rng must
    // outlive the iterator.
    BatchIterator(std::size_t n, std::size_t batch_size, Rng& rng, bool shuffle = true);
    // In the order 0..n-1 every epoch (evaluation): no generator needed.
    BatchIterator(std::size_t n, std::size_t batch_size);
    // The next batch's indices; empty when the epoch is over (the next call starts a new epoch,
    // reshuffled). The span stays valid until that new epoch begins.
    std::span<const std::size_t> next();
    // The next batch, from a new epoch (reshuffled) when this one is over: never empty for n > 0.
    // For a loop that counts the batches of an epoch itself (the training loop).
    std::span<const std::size_t> next_across_epochs();
    // ceil(n / batch_size)
    std::size_t batches_per_epoch() const;
    // The order of the last epoch (each epoch shuffles the one before), for checkpoints: restoring
    // it between epochs, with the generator's state, makes the next epochs' batches the same.
    const std::vector<std::size_t>& order() const { return order_; }
    void set_order(std::vector<std::size_t> order);

private:
    std::vector<std::size_t> order_;
    std::size_t batch_size_;
    std::size_t position_ = 0;
    Rng* rng_;       // nullptr: in order
    bool shuffle_;
};

}  // namespace dl::data
