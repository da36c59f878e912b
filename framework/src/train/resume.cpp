#include "dl/train/resume.hpp"

#include "dl/error.hpp"

#include <bit>
#include <cmath>
#include <map>
#include <sstream>

namespace dl::train {

namespace {

// The metrics of each epoch, one row of this many values.
constexpr std::size_t metric_columns = 8;

std::string full_kind(const std::string& kind, const optim::Optimizer& optimizer) {
    return kind + "\noptimizer: " + optimizer.name();
}

// A kind in one line: its first line (program, data), the parameter count and the optimizer.
std::string in_brief(const std::string& kind) {
    std::istringstream lines(kind);
    std::string line, first, total, optimizer;
    std::getline(lines, first);
    while (std::getline(lines, line)) {
        if (line.rfind("Total params", 0) == 0) total = line;
        if (line.rfind("optimizer", 0) == 0) optimizer = line;
    }
    std::string brief = "'" + first + "'";
    if (!total.empty()) brief += ", " + total;
    if (!optimizer.empty()) brief += ", " + optimizer;
    return brief;
}

// A line of a kind with its control characters made visible (an alphabet holds a newline and a tab).
std::string visible(const std::string& line) {
    std::string out;
    for (const char ch : line) {
        if (ch == '\n') out += "\\n";
        else if (ch == '\t') out += "\\t";
        else if (ch == '\r') out += "\\r";
        else out += ch;
    }
    return out;
}

// Why a checkpoint of kind `saved` is not one of kind `ours`: both in brief, and where the briefs
// read the same (two alphabets of as many characters, two models with as many parameters), the
// first line in which they differ.
std::string kind_mismatch(const std::string& saved, const std::string& ours) {
    std::string message = "it holds " + in_brief(saved) + "; this run is " + in_brief(ours);
    if (in_brief(saved) != in_brief(ours)) return message;
    std::istringstream a(saved), b(ours);
    std::string line_a, line_b;
    for (int n = 1;; ++n) {
        const bool more_a = static_cast<bool>(std::getline(a, line_a)), more_b = static_cast<bool>(std::getline(b, line_b));
        if (!more_a && !more_b) break;
        if (more_a && more_b && line_a == line_b) continue;
        message += " (they differ in line " + std::to_string(n) + ": the checkpoint's '" +
                   (more_a ? visible(line_a) : "") + "', this run's '" + (more_b ? visible(line_b) : "") + "')";
        break;
    }
    return message;
}

// A checkpoint is input from outside: a crafted file can carry a valid checksum over any value.
// Weights, statistics and optimizer state must be finite (a NaN weight hidden by ReLU or max
// pooling would train on silently).
void require_finite(const Tensor& t, const std::string& name, const std::string& source) {
    for (std::size_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t[i]))
            DL_THROW(DataError, source << ": the checkpoint's '" << name << "' holds " << t[i] << " at element " << i
                                       << " (a checkpoint holds finite numbers: this one is damaged or was made by hand)");
}

// Intervals and steps: never negative, never more intervals than steps, and within int.
void check_counts(const util::Checkpoint& c, const std::string& source) {
    if (c.epoch < 0 || c.step < 0 || c.epoch > c.step || c.epoch > (std::int64_t{1} << 30))
        DL_THROW(DataError, source << ": the checkpoint claims " << c.epoch << " epochs (or evaluations) after " << c.step
                                   << " steps (damaged or made by hand)");
}

// Finds what restore needs by name, and says which one is missing.
class Lookup {
public:
    Lookup(const util::Checkpoint& c, const std::string& source) : source_(source) {
        for (const auto& t : c.tensors) tensors_[t.name] = &t.value;
        for (const auto& n : c.numbers) numbers_[n.name] = n.value;
    }
    const Tensor& tensor(const std::string& name, const Shape& shape) const {
        const auto it = tensors_.find(name);
        if (it == tensors_.end()) DL_THROW(DataError, source_ << ": the checkpoint has no tensor '" << name << "'");
        if (it->second->shape() != shape)
            DL_THROW(DataError, source_ << ": the checkpoint's '" << name << "' has shape " << to_string(it->second->shape())
                                        << ", this model's " << to_string(shape));
        require_finite(*it->second, name, source_);
        return *it->second;
    }
    // A tensor that may be absent; when present, finite.
    const Tensor* optional_tensor(const std::string& name) const {
        const auto it = tensors_.find(name);
        if (it == tensors_.end()) return nullptr;
        require_finite(*it->second, name, source_);
        return it->second;
    }
    bool has_number(const std::string& name) const { return numbers_.count(name) != 0; }
    std::uint64_t number(const std::string& name) const {
        const auto it = numbers_.find(name);
        if (it == numbers_.end()) DL_THROW(DataError, source_ << ": the checkpoint has no number '" << name << "'");
        return it->second;
    }
    RngState rng(const std::string& name) const {
        RngState s;
        for (int i = 0; i < 4; ++i) s.s[i] = number(name + ".s" + std::to_string(i));
        s.cached_normal = std::bit_cast<double>(number(name + ".cached_normal"));
        s.has_cached_normal = number(name + ".has_cached_normal") != 0;
        // xoshiro's all-zero state is a fixed point: the generator would return 0 for ever (and
        // a rejection loop drawing from it never end).
        if (s.s[0] == 0 && s.s[1] == 0 && s.s[2] == 0 && s.s[3] == 0)
            DL_THROW(DataError, source_ << ": the checkpoint's generator '" << name
                                        << "' has the all-zero state, which no generator reaches (damaged or made by hand)");
        if (s.has_cached_normal && !std::isfinite(s.cached_normal))
            DL_THROW(DataError, source_ << ": the checkpoint's generator '" << name << "' caches a non-finite normal draw");
        return s;
    }

private:
    std::string source_;
    std::map<std::string, const Tensor*> tensors_;
    std::map<std::string, std::uint64_t> numbers_;
};

// The metrics so far, one row per epoch (float32 is plenty for curves); the language models'
// rows end with the step.
Tensor history_tensor(const std::vector<EpochMetrics>& history, bool with_step) {
    Tensor t({history.size(), metric_columns + (with_step ? 1 : 0)});
    for (std::size_t e = 0; e < history.size(); ++e) {
        const EpochMetrics& m = history[e];
        const double row[metric_columns + 1] = {static_cast<double>(m.epoch), m.train_loss, m.train_acc, m.val_loss,
                                                m.val_acc, m.seconds, m.examples_per_s, m.lr, static_cast<double>(m.step)};
        for (std::size_t k = 0; k < t.dim(1); ++k) t(e, k) = static_cast<float>(row[k]);
    }
    return t;
}

std::vector<EpochMetrics> history_rows(const Tensor* t, std::int64_t rows, bool with_step, const std::string& source) {
    const std::size_t columns = metric_columns + (with_step ? 1 : 0);
    if (t == nullptr || t->rank() != 2 || t->dim(1) != columns || t->dim(0) != static_cast<std::size_t>(rows))
        DL_THROW(DataError, source << ": the checkpoint's metrics do not match its " << rows << " evaluations or epochs");
    std::vector<EpochMetrics> history;
    for (std::size_t e = 0; e < t->dim(0); ++e) {
        const auto v = [&](std::size_t k) { return static_cast<double>((*t)(e, k)); };
        history.push_back({.epoch = static_cast<int>(v(0)), .train_loss = v(1), .train_acc = v(2), .val_loss = v(3),
                           .val_acc = v(4), .seconds = v(5), .examples_per_s = v(6), .lr = v(7),
                           .step = with_step ? static_cast<long>(v(8)) : 0});
    }
    return history;
}

// `prefix` names a second model's entries ("generator.") beside the first's (no prefix).
void put_parameters(util::Checkpoint& c, const std::vector<nn::Parameter*>& params, const std::string& prefix = "") {
    for (std::size_t i = 0; i < params.size(); ++i)
        c.tensors.push_back({prefix + "param." + std::to_string(i) + "." + params[i]->name, params[i]->value});
}

void put_optimizer(util::Checkpoint& c, const optim::Optimizer& optimizer, const std::string& prefix = "") {
    const optim::OptimizerState opt = optimizer.state();
    c.numbers.push_back({prefix + "optimizer.steps", static_cast<std::uint64_t>(opt.steps)});
    for (std::size_t i = 0; i < opt.per_parameter.size(); ++i)
        for (std::size_t k = 0; k < opt.per_parameter[i].size(); ++k)
            c.tensors.push_back(
                {prefix + "optimizer." + std::to_string(i) + "." + std::to_string(k), opt.per_parameter[i][k]});
}

// The parameters' saved values, checked against this model's shapes.
std::vector<const Tensor*> read_parameters(const Lookup& in, const std::vector<nn::Parameter*>& params,
                                           const std::string& prefix = "") {
    std::vector<const Tensor*> values;
    for (std::size_t i = 0; i < params.size(); ++i)
        values.push_back(
            &in.tensor(prefix + "param." + std::to_string(i) + "." + params[i]->name, params[i]->value.shape()));
    return values;
}

// The optimizer's state: after a first step, every parameter's state tensors, each shaped like it
// (a checkpoint without them would silently restart Adam's moments from zero).
optim::OptimizerState read_optimizer(const Lookup& in, const optim::Optimizer& optimizer,
                                     const std::vector<nn::Parameter*>& params, const std::string& source,
                                     const std::string& prefix = "") {
    const std::uint64_t steps = in.number(prefix + "optimizer.steps");
    if (steps > (std::uint64_t{1} << 62))
        DL_THROW(DataError, source << ": the checkpoint's optimizer claims " << steps << " steps (damaged or made by hand)");
    optim::OptimizerState opt{optimizer.name(), static_cast<std::int64_t>(steps), {}};
    if (steps == 0 || optimizer.state_tensors() == 0) return opt;
    for (std::size_t i = 0; i < params.size(); ++i) {
        opt.per_parameter.emplace_back();
        for (std::size_t k = 0; k < optimizer.state_tensors(); ++k)
            opt.per_parameter.back().push_back(in.tensor(prefix + "optimizer." + std::to_string(i) + "." + std::to_string(k),
                                                         params[i]->value.shape()));
    }
    return opt;
}

}  // namespace

void put_rng(util::Checkpoint& c, const std::string& name, const RngState& s) {
    for (int i = 0; i < 4; ++i) c.numbers.push_back({name + ".s" + std::to_string(i), s.s[i]});
    c.numbers.push_back({name + ".cached_normal", std::bit_cast<std::uint64_t>(s.cached_normal)});
    c.numbers.push_back({name + ".has_cached_normal", s.has_cached_normal ? 1u : 0u});
}

std::optional<RngState> read_rng(const util::Checkpoint& c, const std::string& name, const std::string& source) {
    const Lookup in(c, source);
    if (!in.has_number(name + ".s0")) return std::nullopt;
    return in.rng(name);
}

void put_text(util::Checkpoint& c, const std::string& name, const std::string& text) {
    Tensor bytes({text.size()});
    for (std::size_t i = 0; i < text.size(); ++i) bytes[i] = static_cast<float>(static_cast<unsigned char>(text[i]));
    c.tensors.push_back({name, std::move(bytes)});
}

std::optional<std::string> read_text(const util::Checkpoint& c, const std::string& name, const std::string& source) {
    const Lookup in(c, source);
    const Tensor* bytes = in.optional_tensor(name);
    if (bytes == nullptr) return std::nullopt;
    std::string text(bytes->size(), '\0');
    for (std::size_t i = 0; i < text.size(); ++i) {
        const float v = (*bytes)[i];
        if (!(v >= 0 && v <= 255 && v == std::floor(v)))
            DL_THROW(DataError, source << ": the checkpoint's text '" << name << "' holds " << v << " at " << i
                                       << ", not a byte (damaged or made by hand)");
        text[i] = static_cast<char>(static_cast<unsigned char>(v));
    }
    return text;
}

util::Checkpoint make_run_checkpoint(const std::string& kind, nn::Sequential& model, optim::Optimizer& optimizer,
                                     const Rng& rng, const data::BatchIterator& batches, const RunState& run) {
    util::Checkpoint c;
    c.kind = full_kind(kind, optimizer);
    c.epoch = run.epoch;
    c.step = run.step;
    put_parameters(c, model.parameters());
    const auto buffers = model.buffers();
    for (std::size_t i = 0; i < buffers.size(); ++i) c.tensors.push_back({"buffer." + std::to_string(i), *buffers[i]});
    put_optimizer(c, optimizer);
    // The order of the examples: indices are exact in float32 below 2^24.
    const auto& order = batches.order();
    DL_CHECK(order.size() < (std::size_t{1} << 24), "checkpoint: " << order.size() << " examples are too many to save their order");
    Tensor order_t({order.size()});
    for (std::size_t i = 0; i < order.size(); ++i) order_t[i] = static_cast<float>(order[i]);
    c.tensors.push_back({"data.order", std::move(order_t)});
    put_rng(c, "rng", rng.state());
    const auto generators = model.generators();
    for (std::size_t i = 0; i < generators.size(); ++i) put_rng(c, "layer_rng." + std::to_string(i), generators[i]->state());
    // The metrics so far, and early stopping's state.
    Tensor history = history_tensor(run.history, false);
    c.tensors.push_back({"history", std::move(history)});
    c.numbers.push_back({"stop.best_epoch", static_cast<std::uint64_t>(run.stopping.best_epoch)});
    c.numbers.push_back({"stop.best_loss", std::bit_cast<std::uint64_t>(run.stopping.best_loss)});
    c.numbers.push_back({"stop.epochs_without_improvement", static_cast<std::uint64_t>(run.stopping.epochs_without_improvement)});
    for (std::size_t i = 0; i < run.best_weights.size(); ++i) c.tensors.push_back({"best." + std::to_string(i), run.best_weights[i]});
    return c;
}

RunState restore_run_checkpoint(const util::Checkpoint& c, const std::string& source, const std::string& kind,
                                nn::Sequential& model, optim::Optimizer& optimizer, Rng& rng,
                                data::BatchIterator& batches) {
    if (c.kind != full_kind(kind, optimizer))
        DL_THROW(DataError, source << ": the checkpoint is of another model or optimizer: "
                                   << kind_mismatch(c.kind, full_kind(kind, optimizer)));
    check_counts(c, source);
    const Lookup in(c, source);
    // Everything is read and checked before anything is changed.
    const auto params = model.parameters();
    std::vector<const Tensor*> values = read_parameters(in, params);
    const auto buffers = model.buffers();
    for (std::size_t i = 0; i < buffers.size(); ++i) values.push_back(&in.tensor("buffer." + std::to_string(i), buffers[i]->shape()));
    const optim::OptimizerState opt = read_optimizer(in, optimizer, params, source);
    const Tensor& order_t = in.tensor("data.order", {batches.order().size()});
    std::vector<std::size_t> order(order_t.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (!(order_t[i] >= 0 && order_t[i] < static_cast<float>(order.size()) && order_t[i] == std::floor(order_t[i])))
            DL_THROW(DataError, source << ": the checkpoint's order of the examples holds " << order_t[i] << " at " << i
                                       << ", not an example's index (damaged or made by hand)");
        order[i] = static_cast<std::size_t>(order_t[i]);
    }
    const auto generators = model.generators();
    std::vector<RngState> generator_states;
    for (std::size_t i = 0; i < generators.size(); ++i) generator_states.push_back(in.rng("layer_rng." + std::to_string(i)));
    const RngState rng_state = in.rng("rng");
    RunState run;
    run.epoch = static_cast<int>(c.epoch);
    run.step = static_cast<long>(c.step);
    run.history = history_rows(in.optional_tensor("history"), c.epoch, false, source);
    run.stopping.best_epoch = static_cast<int>(in.number("stop.best_epoch"));
    run.stopping.best_loss = std::bit_cast<double>(in.number("stop.best_loss"));
    run.stopping.epochs_without_improvement = static_cast<int>(in.number("stop.epochs_without_improvement"));
    for (std::size_t i = 0; i < values.size(); ++i)
        if (const Tensor* t = in.optional_tensor("best." + std::to_string(i))) run.best_weights.push_back(*t);

    optimizer.load_state(opt);   // checks the state fits the parameters, before anything else changes
    batches.set_order(std::move(order));
    for (std::size_t i = 0; i < params.size(); ++i) params[i]->value = *values[i];
    for (std::size_t i = 0; i < buffers.size(); ++i) *buffers[i] = *values[params.size() + i];
    for (std::size_t i = 0; i < generators.size(); ++i) generators[i]->set_state(generator_states[i]);
    rng.set_state(rng_state);
    return run;
}

void put_second_model(util::Checkpoint& c, const std::string& name, nn::Sequential& model,
                      const optim::Optimizer& optimizer) {
    const std::string prefix = name + ".";
    c.kind += "\n" + name + "'s optimizer: " + optimizer.name();
    put_parameters(c, model.parameters(), prefix);
    const auto buffers = model.buffers();
    for (std::size_t i = 0; i < buffers.size(); ++i) c.tensors.push_back({prefix + "buffer." + std::to_string(i), *buffers[i]});
    put_optimizer(c, optimizer, prefix);
    const auto generators = model.generators();
    for (std::size_t i = 0; i < generators.size(); ++i)
        put_rng(c, prefix + "layer_rng." + std::to_string(i), generators[i]->state());
}

util::Checkpoint without_second_model(util::Checkpoint c, const std::string& name) {
    const std::size_t line = c.kind.rfind("\n" + name + "'s optimizer: ");
    if (line != std::string::npos) c.kind.erase(line);
    return c;
}

void restore_second_model(const util::Checkpoint& c, const std::string& source, const std::string& name,
                          nn::Sequential& model, optim::Optimizer& optimizer) {
    const std::string prefix = name + ".", line = "\n" + name + "'s optimizer: " + optimizer.name();
    if (c.kind.size() < line.size() || c.kind.compare(c.kind.size() - line.size(), line.size(), line) != 0)
        DL_THROW(DataError, source << ": the checkpoint has no " << name << " trained with " << optimizer.name()
                                   << " (it holds " << in_brief(c.kind) << ")");
    const Lookup in(c, source);
    const auto params = model.parameters();
    std::vector<const Tensor*> values = read_parameters(in, params, prefix);
    const auto buffers = model.buffers();
    for (std::size_t i = 0; i < buffers.size(); ++i)
        values.push_back(&in.tensor(prefix + "buffer." + std::to_string(i), buffers[i]->shape()));
    const optim::OptimizerState opt = read_optimizer(in, optimizer, params, source, prefix);
    const auto generators = model.generators();
    std::vector<RngState> generator_states;
    for (std::size_t i = 0; i < generators.size(); ++i)
        generator_states.push_back(in.rng(prefix + "layer_rng." + std::to_string(i)));
    optimizer.load_state(opt);
    for (std::size_t i = 0; i < params.size(); ++i) params[i]->value = *values[i];
    for (std::size_t i = 0; i < buffers.size(); ++i) *buffers[i] = *values[params.size() + i];
    for (std::size_t i = 0; i < generators.size(); ++i) generators[i]->set_state(generator_states[i]);
}

util::Checkpoint make_lm_checkpoint(const std::string& kind, nn::LanguageModel& model, optim::Optimizer& optimizer,
                                    const Rng& rng, const LmRunState& run) {
    util::Checkpoint c;
    c.kind = full_kind(kind, optimizer);
    c.epoch = run.evaluations;
    c.step = run.step;
    put_parameters(c, model.parameters());
    put_optimizer(c, optimizer);
    put_rng(c, "rng", rng.state());
    c.numbers.push_back({"data.position", run.position});
    for (std::size_t i = 0; i < run.carried.size(); ++i) c.tensors.push_back({"carried." + std::to_string(i), run.carried[i]});
    c.tensors.push_back({"history", history_tensor(run.history, true)});
    return c;
}

LmRunState restore_lm_checkpoint(const util::Checkpoint& c, const std::string& source, const std::string& kind,
                                 nn::LanguageModel& model, optim::Optimizer* optimizer, Rng* rng) {
    // Without an optimizer only the model must match: the kind up to the optimizer's line.
    const std::string model_kind = c.kind.substr(0, c.kind.rfind("\noptimizer: "));
    if (optimizer != nullptr ? c.kind != full_kind(kind, *optimizer) : model_kind != kind)
        DL_THROW(DataError, source << ": the checkpoint is of another model or optimizer: "
                                   << kind_mismatch(optimizer != nullptr ? c.kind : model_kind,
                                                    optimizer != nullptr ? full_kind(kind, *optimizer) : kind));
    check_counts(c, source);
    const Lookup in(c, source);
    const auto params = model.parameters();
    const std::vector<const Tensor*> values = read_parameters(in, params);
    LmRunState run;
    run.step = static_cast<long>(c.step);
    run.evaluations = static_cast<int>(c.epoch);
    run.history = history_rows(in.optional_tensor("history"), c.epoch, true, source);
    if (optimizer != nullptr) {
        const optim::OptimizerState opt = read_optimizer(in, *optimizer, params, source);
        const RngState rng_state = in.rng("rng");
        run.position = static_cast<std::size_t>(in.number("data.position"));
        for (std::size_t i = 0; const Tensor* t = in.optional_tensor("carried." + std::to_string(i)); ++i)
            run.carried.push_back(*t);
        optimizer->load_state(opt);
        if (rng != nullptr) rng->set_state(rng_state);
    }
    for (std::size_t i = 0; i < params.size(); ++i) params[i]->value = *values[i];
    return run;
}

}  // namespace dl::train
