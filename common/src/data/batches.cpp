#include "dl/data/batches.hpp"

#include "dl/error.hpp"

#include <algorithm>
#include <numeric>

namespace dl::data {

BatchIterator::BatchIterator(std::size_t n, std::size_t batch_size, Rng& rng, bool shuffle)
    : order_(n), batch_size_(batch_size), rng_(&rng), shuffle_(shuffle) {
    DL_CHECK(batch_size > 0, "BatchIterator: the batch size must be positive");
    std::iota(order_.begin(), order_.end(), std::size_t{0});
}

BatchIterator::BatchIterator(std::size_t n, std::size_t batch_size)
    : order_(n), batch_size_(batch_size), rng_(nullptr), shuffle_(false) {
    DL_CHECK(batch_size > 0, "BatchIterator: the batch size must be positive");
    std::iota(order_.begin(), order_.end(), std::size_t{0});
}

std::span<const std::size_t> BatchIterator::next_across_epochs() {
    const std::span<const std::size_t> batch = next();
    return batch.empty() ? next() : batch;   // the empty answer closed the last epoch
}

std::span<const std::size_t> BatchIterator::next() {
    // An epoch starts at position 0: shuffle then (a fresh permutation of the previous order).
    if (position_ == 0 && shuffle_) rng_->shuffle(order_);
    if (position_ >= order_.size()) {
        position_ = 0;   // the epoch is over; the next call starts a new one
        return {};
    }
    const std::size_t count = std::min(batch_size_, order_.size() - position_);
    const std::span<const std::size_t> batch(order_.data() + position_, count);
    position_ += count;
    return batch;
}

// ceil(n / batch_size)
void BatchIterator::set_order(std::vector<std::size_t> order) {
    std::vector<bool> seen(order_.size(), false);
    for (const std::size_t i : order) {
        DL_CHECK(i < seen.size() && !seen[i], "BatchIterator::set_order: not a permutation of 0.." << seen.size() - 1);
        seen[i] = true;
    }
    DL_CHECK(order.size() == order_.size(), "BatchIterator::set_order: " << order.size() << " indices for "
                                                                         << order_.size() << " examples");
    order_ = std::move(order);
    position_ = 0;
}

std::size_t BatchIterator::batches_per_epoch() const { return (order_.size() + batch_size_ - 1) / batch_size_; }

}  // namespace dl::data
