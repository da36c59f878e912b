// Chapter 8: automatic differentiation, reverse mode.
//
//   1. The scalar engine on one tanh neuron: its value and gradients, and its graph (expression.png).
//   2. Chapter 2's MLP on Fashion-MNIST with every gradient from the tape, after a check on the
//      first batch against the hand-written backward passes; one step's graph (mlp_step.png).
//   3. The gradient of a gradient: the trained MLP's curvature along its gradient, g·Hg / g·g, from
//      a Hessian-vector product (checked against finite differences of gradients), and the step
//      that a Newton method would take along g.
//   4. Chapter 7's character Transformer (small, a short budget) with the tape's gradients, checked
//      on its first batch the same way. Its files go to --out/transformer.
//
// Writes to --out: metrics.csv, summary.json, curves.png (the MLP), expression.dot/png,
// mlp_step.dot/png, transformer_block.dot/png (chapter 7's block as the tape records it, with every
// shape), and transformer/ (metrics.csv, summary.json, curves.png, samples.txt).
#include "graph_picture.hpp"

#include "dl/data/fashion_mnist.hpp"
#include "dl/data/text.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/tape_model.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/ops/value.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/exchange.hpp"
#include "dl/train/lm_run.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/json.hpp"
#include "dl/util/progress.hpp"

#include <cmath>
#include <iostream>
#include <numeric>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch08_autograd";

// 1. o = tanh(x₁w₁ + x₂w₂ + b): micrograd's neuron, whose gradients are worked by hand in its lecture.
// Returns the figures for summary.json and the graph's DOT text (drawn once training has succeeded).
std::pair<util::Json, std::string> scalar_engine() {
    const Value x1 = 2.0, x2 = 0.0, w1 = -3.0, w2 = 1.0, b = 6.8813735870195432;
    const Value o = (x1 * w1 + x2 * w2 + b).tanh();
    o.backward();
    std::cout << "1. The scalar engine: o = tanh(x1·w1 + x2·w2 + b) = " << util::format_fixed(o.data(), 4)
              << "\n   do/dx1 = " << x1.grad() << ", do/dw1 = " << w1.grad() << ", do/dx2 = " << x2.grad()
              << ", do/dw2 = " << w2.grad() << " (1 − o² = " << 1 - o.data() * o.data() << ", times the other factor)\n";
    const std::map<const void*, std::string> names = {
        {x1.id(), "x1"}, {x2.id(), "x2"}, {w1.id(), "w1"}, {w2.id(), "w2"}, {b.id(), "b"}};
    return {util::Json::object().set("o", o.data()).set("dx1", x1.grad()).set("dw1", w1.grad()),
            chapter8::value_graph_dot(o, names)};
}

// The first n examples of d as a batch X [n, ...] and its labels.
void first_examples(Tensor& X, std::vector<int>& labels, const data::Dataset& d, std::size_t n) {
    std::vector<std::size_t> first(n);
    std::iota(first.begin(), first.end(), std::size_t{0});
    data::gather(X, labels, d, first);
}

// 2. The first training batch through the tape and through the hand-written layers, same weights.
double check_mlp_batch(nn::TapeModel& tape, nn::Loss& loss, const data::Dataset& train, std::size_t batch) {
    Tensor X;
    std::vector<int> labels;
    first_examples(X, labels, train, std::min(batch, train.size()));
    auto step = [&](nn::LayerT<float>& model) {
        loss.forward(model.forward(X, nn::Mode::train), labels);
        model.backward(loss.backward());
    };
    return nn::tape_against_hand(tape.parameters(), [&] { step(tape); }, [&] { step(tape.source()); });
}

// One step's graph for the picture (DOT text): a batch of 4 through the MLP and the loss.
std::string mlp_step_graph(nn::Sequential& source, nn::Activation activation, const data::Dataset& train) {
    const std::size_t n = 4, pixels = train.x.size() / train.size();
    Tensor X;
    std::vector<int> labels;
    first_examples(X, labels, train, n);
    X.reshape({n, pixels});   // rows: mlp_through_tape takes x as it is, so the box named images is x
    const std::vector<Var<float>> params = nn::borrow_parameters(source.parameters());
    const Var<float> x(X);
    const Var<float> loss = softmax_cross_entropy(
        nn::mlp_through_tape(x, std::span<const Var<float>>(params), activation), std::span<const int>(labels));
    std::map<const void*, std::string> names = {{x.node(), "images"}};
    for (std::size_t k = 0; k < params.size(); ++k)
        names[params[k].node()] = (k % 2 == 0 ? "W" : "b") + std::to_string(k / 2 + 1);
    return chapter8::tape_graph_dot(loss, names);
}

// Chapter 7's block as the tape records it (DOT text), small enough to read: B = 2 sequences of
// T = 8 positions, C = 16, 4 heads of D = 4. Every box is an operation with its result's shape.
std::string transformer_block_graph() {
    const std::size_t B = 2, T = 8, C = 16, heads = 4;
    Rng rng(1);
    nn::TransformerBlock block(C, heads, 4, 1, rng);
    const std::vector<Var<float>> params = nn::borrow_parameters(block.parameters());
    const Var<float> x(Tensor({B * T, C}));
    const Var<float> y = nn::transformer_block_through_tape(x, std::span<const Var<float>>(params), B, T, heads);
    const char* names[] = {"LN1 gamma", "LN1 beta", "Wqkv", "bqkv", "Wo", "bo",
                           "LN2 gamma", "LN2 beta", "W1", "b1", "W2", "b2"};
    std::map<const void*, std::string> labels = {{x.node(), "x (B·T rows)"}};
    for (std::size_t k = 0; k < params.size(); ++k) labels[params[k].node()] = names[k];
    return chapter8::tape_graph_dot(y, labels);
}

// 3. Curvature along the gradient at the trained weights, in double, on one batch.
util::Json curvature(nn::Sequential& source, nn::Activation activation, const data::Dataset& data, std::size_t n) {
    n = std::min(n, data.size());
    const std::size_t pixels = data.x.size() / data.size();
    TensorD X({n, pixels});
    for (std::size_t i = 0; i < X.size(); ++i) X[i] = data.x[i];
    const std::span<const int> labels(data.labels.data(), n);
    std::vector<TensorD> theta;
    for (nn::Parameter* p : source.parameters()) {
        TensorD t(p->value.shape());
        for (std::size_t i = 0; i < t.size(); ++i) t[i] = p->value[i];
        theta.push_back(std::move(t));
    }
    auto loss_at = [&](const std::vector<TensorD>& at, std::vector<Var<double>>& vars) {
        vars.clear();
        for (const TensorD& t : at) vars.emplace_back(t, true);
        return softmax_cross_entropy(nn::mlp_through_tape(Var<double>(X), std::span<const Var<double>>(vars), activation),
                                     labels);
    };
    std::vector<Var<double>> vars;
    const Var<double> loss = loss_at(theta, vars);
    std::vector<TensorD> g;
    for (const Var<double>& gi : grad(loss, vars)) g.push_back(gi.value());
    const std::vector<TensorD> hg = hessian_vector_product(loss, vars, g);
    double gg = 0, ghg = 0;
    for (std::size_t k = 0; k < g.size(); ++k)
        for (std::size_t i = 0; i < g[k].size(); ++i) gg += g[k][i] * g[k][i], ghg += g[k][i] * hg[k][i];
    // The same product by finite differences of the gradient: (g(θ + εg) − g(θ − εg)) / 2ε.
    const double eps = 1e-4 / std::sqrt(gg);
    auto shifted = [&](double s) {
        std::vector<TensorD> at = theta;
        for (std::size_t k = 0; k < at.size(); ++k)
            for (std::size_t i = 0; i < at[k].size(); ++i) at[k][i] += s * g[k][i];
        std::vector<Var<double>> v;
        const Var<double> l = loss_at(at, v);
        std::vector<TensorD> out;
        for (const Var<double>& gi : grad(l, v)) out.push_back(gi.value());
        return out;
    };
    const auto up = shifted(eps), down = shifted(-eps);
    double ghg_numeric = 0;
    for (std::size_t k = 0; k < g.size(); ++k)
        for (std::size_t i = 0; i < g[k].size(); ++i) ghg_numeric += g[k][i] * (up[k][i] - down[k][i]) / (2 * eps);
    // Newton along g: the quadratic model L(θ − t g) ≈ L − t g·g + ½ t² g·Hg is least at t = g·g / g·Hg.
    const double t = gg / ghg;
    std::vector<TensorD> stepped = theta;
    for (std::size_t k = 0; k < stepped.size(); ++k)
        for (std::size_t i = 0; i < stepped[k].size(); ++i) stepped[k][i] -= t * g[k][i];
    std::vector<Var<double>> v;
    const double after = loss_at(stepped, v).value()[0], before = loss.value()[0];
    const double predicted = before - t * gg + 0.5 * t * t * ghg;
    std::cout << "\n3. The gradient of a gradient, on " << n << " training images at the trained weights (double):\n"
              << "   curvature along the gradient g·Hg/g·g = " << ghg / gg << " (finite differences of gradients: "
              << ghg_numeric / gg << ", relative difference " << std::abs(ghg - ghg_numeric) / std::abs(ghg_numeric)
              << ")\n   Newton's step along g, t = g·g/g·Hg = " << t << ": loss " << before << " → " << after
              << " (the quadratic model predicted " << predicted << ")\n";
    return util::Json::object()
        .set("images", static_cast<std::int64_t>(n))
        .set("curvature_along_gradient", ghg / gg)
        .set("curvature_by_differences", ghg_numeric / gg)
        .set("newton_step", t)
        .set("loss_before", before)
        .set("loss_after", after)
        .set("loss_predicted", predicted);
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "automatic differentiation: a scalar engine, then chapter 2's MLP and chapter 7's Transformer "
                            "trained with the tape's gradients (chapter 8)",
                   {.epochs = 5, .batch_size = 32, .lr = 0.05});
    cli.chapter_options().add_options()
        ("hidden", po::value<int>()->default_value(128), "width of the MLP's hidden layer")
        ("activation", po::value<std::string>()->default_value("relu"), "relu|tanh|sigmoid (the MLP)")
        ("lm-steps", po::value<long>()->default_value(300), "the Transformer's optimizer steps (0: skip it)")
        ("lm-layers", po::value<std::size_t>()->default_value(2), "the Transformer's blocks")
        ("lm-width", po::value<std::size_t>()->default_value(64), "the Transformer's width C (4 heads)")
        ("lm-context", po::value<std::size_t>()->default_value(64), "the Transformer's context (and window)")
        ("text", po::value<std::string>()->default_value(""), "the Transformer's text (default: the King James Bible)");
    train::add_export_option(cli);   // FILE-mlp.safetensors and FILE-transformer.safetensors
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const int hidden = cli.get<int>("hidden");
    if (hidden < 1) DL_THROW(UsageError, "--hidden must be at least 1, got " << hidden);
    const nn::Activation activation = nn::parse_activation(cli.get<std::string>("activation"));
    const long lm_steps = cli.capped_by_quick(cli.get<long>("lm-steps"), 30L, "lm-steps");
    if (lm_steps < 0) DL_THROW(UsageError, "--lm-steps must be 0 or more, got " << lm_steps);
    const nn::TransformerLmOptions lm_options{.layers = cli.get<std::size_t>("lm-layers"), .heads = 4,
                                              .width = cli.get<std::size_t>("lm-width"),
                                              .context = cli.get<std::size_t>("lm-context")};
    if (lm_options.layers < 1 || lm_options.width < 4 || lm_options.width % 4 != 0 || lm_options.context < 2)
        DL_THROW(UsageError, "the Transformer needs --lm-layers ≥ 1, --lm-width a multiple of 4 (its 4 heads) and "
                             "--lm-context ≥ 2, got " << lm_options.layers << ", " << lm_options.width << ", "
                                                      << lm_options.context);
    const int epochs = cli.capped_by_quick(opt.epochs, 2);
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    data::ImageSplits fashion = train::check_optimizer_and_load_images(opt);
    const data::Standardization scaling = data::standardize(fashion);
    train::check_exchange_options(cli);
    std::optional<data::TextCorpus> corpus;
    if (lm_steps > 0) corpus = data::text_or_bible(cli.get<std::string>("text"));
    train::MetricsCsv csv(out / "metrics.csv", /*with_run_column=*/false);

    util::Json summary = train::summary_header(program, opt);
    const auto [scalar_figures, expression_graph] = scalar_engine();
    summary.set("scalar_engine", scalar_figures);

    // 2. The MLP: chapter 2's layers own the weights; the tape computes the gradients.
    Rng rng(opt.seed);
    auto source = std::make_unique<nn::Sequential>(nn::mlp(fashion.train.example_shape(),
                                                           {static_cast<std::size_t>(hidden)},
                                                           static_cast<std::size_t>(fashion.train.num_classes),
                                                           activation, rng));
    nn::Sequential& hand_written = *source;
    nn::Sequential model(fashion.train.example_shape());
    nn::TapeModel& tape = model.add<nn::TapeModel>(
        std::move(source), fashion.train.example_shape(),
        [activation](const Var<float>& X, std::span<const Var<float>> params) {
            return nn::mlp_through_tape(X, params, activation);
        });
    nn::SoftmaxCrossEntropy loss;
    std::cout << "\n2. Chapter 2's MLP on Fashion-MNIST (" << fashion.train.size() << " training images), "
              << "every gradient from the tape:\n" << nn::summary(hand_written);
    const double mlp_difference = check_mlp_batch(tape, loss, fashion.train, opt.batch_size);
    std::cout << "   first batch: the tape's gradients differ from the hand-written ones by at most "
              << mlp_difference << " of the largest (the same kernels; in double the tests allow 1e-12)\n";
    const std::string step_graph = mlp_step_graph(hand_written, activation, fashion.train);
    auto optimizer = optim::make_optimizer(opt.optimizer_options());
    train::FitOptions fit_options = train::with_common_options(
        {.epochs = epochs, .batch_size = opt.batch_size, .progress = true,
         .on_epoch = [&](const train::EpochMetrics& m) { csv.write(m); }},
        opt);
    fit_options.checkpoints.kind = std::string(program) + ", MLP through the tape, " +
                                   std::to_string(fashion.train.size()) + " training images\n" + nn::summary(hand_written);
    const auto history = train::fit(model, loss, *optimizer, fashion.train, fashion.validation, fit_options, rng);
    const auto test = train::evaluate(model, loss, fashion.test);
    train::export_run_weights(cli, "mlp", nn::state_dict(hand_written),
                              train::classifier_metadata(program, hand_written, fashion.test, scaling));
    double best_rate = 0;
    for (const auto& m : history) best_rate = std::max(best_rate, m.examples_per_s);
    std::cout << "   test accuracy " << util::format_fixed(test.accuracy, 4) << ", " << tape.recorded_ops()
              << " ops recorded per step, " << static_cast<long long>(best_rate) << " examples/s\n";
    summary.set("test_accuracy", test.accuracy).set("test_loss", test.loss).set("val_loss", history.back().val_loss);
    summary.set("params", count_parameters(model)).set("epochs", epochs).set("examples_per_s", best_rate);
    summary.set("mlp_gradient_difference", mlp_difference).set("ops_per_step", static_cast<std::int64_t>(tape.recorded_ops()));

    // 3. Curvature.
    summary.set("curvature", curvature(hand_written, activation, fashion.train, 256));

    // 4. The Transformer.
    if (corpus) {
        std::cout << "\n4. Chapter 7's character Transformer, every gradient from the tape (files in "
                  << (out / "transformer").string() << "):\n";
        train::CommonOptions lm = opt;
        lm.out = (out / "transformer").string();
        lm.optimizer = "adamw", lm.lr = 1e-3, lm.weight_decay = 0.01, lm.clip_norm = 1.0;
        lm.schedule = {.kind = "cosine", .warmup_steps = std::min(30L, lm_steps / 4)};
        lm.save.clear(), lm.resume.clear();
        const train::LmRunSettings run{.text = cli.get<std::string>("text"), .steps = lm_steps,
                                       .eval_every = std::max(1L, lm_steps / 3), .eval_windows = 256,
                                       .seq_len = lm_options.context, .sample_length = 200, .prompt = "And God said"};
        Rng lm_rng(opt.seed);
        nn::TapeTransformerLm lm_model(corpus->vocab_size(), lm_options, lm_rng);
        // The first batch's gradients by the tape and by chapter 7's backward passes.
        std::vector<int> ids(corpus->ids.begin(), corpus->ids.begin() + static_cast<std::ptrdiff_t>(2 * lm_options.context + 1));
        const std::span<const int> inputs(ids.data(), 2 * lm_options.context);
        const std::span<const int> targets(ids.data() + 1, 2 * lm_options.context);
        auto one_batch = [&](nn::LanguageModel& m) {
            const Tensor& logits = m.forward(inputs, 2, lm_options.context, false);
            Tensor P, dlogits;
            softmax_cross_entropy_forward(P, logits, targets);
            softmax_cross_entropy_backward(dlogits, P, targets);
            m.backward(dlogits);
        };
        const double lm_difference = nn::tape_against_hand(lm_model.parameters(), [&] { one_batch(lm_model); },
                                                           [&] { one_batch(lm_model.hand_written()); });
        std::cout << "   first batch: the tape's gradients differ from the hand-written ones by at most " << lm_difference
                  << " of the largest\n";
        const train::LmFitOptions lm_fit{.batching = "random", .clip_norm = lm.clip_norm, .schedule = lm.schedule};
        const std::string kind = train::checkpoint_kind(program, *corpus, lm_model);
        const auto lm_history = train::train_with_samples(lm_model, *corpus, lm, run, lm_fit, kind, lm.out, lm_rng);
        train::export_run_weights(cli, "transformer", lm_model.state_dict(),
                                  train::language_model_metadata(program, lm_model, *corpus));
        util::Json lm_summary = train::report_language_model(program, lm, run, lm_history, lm_model, *corpus);
        lm_summary.set("gradient_difference", lm_difference).set("layers", static_cast<std::int64_t>(lm_options.layers));
        lm_summary.set("width", static_cast<std::int64_t>(lm_options.width)).set("context", static_cast<std::int64_t>(lm_options.context));
        util::write_file_atomically(lm.out / std::filesystem::path("summary.json"), lm_summary.dump());
        train::plot_training_curves({{"Transformer (tape)", lm_history}}, std::filesystem::path(lm.out) / "curves.png",
                                    plot_mode, "character Transformer through the tape: loss in nats/char",
                                    (std::filesystem::path(lm.out) / "metrics.csv").string(), /*by_step=*/true);
        summary.set("transformer", util::Json::object()
                                       .set("val_loss", lm_history.back().val_loss)
                                       .set("steps", static_cast<std::int64_t>(lm_steps))
                                       .set("gradient_difference", lm_difference));
    }
    util::write_file_atomically(out / "summary.json", summary.dump());
    const bool expression_drawn = chapter8::draw_graph(expression_graph, out / "expression");
    const bool block_drawn = chapter8::draw_graph(transformer_block_graph(), out / "transformer_block");
    const bool drawn = chapter8::draw_graph(step_graph, out / "mlp_step") && expression_drawn && block_drawn;
    const bool plotted = train::plot_training_curves({{"MLP (tape)", history}}, out / "curves.png", plot_mode,
                                                     "Fashion-MNIST MLP, gradients from the tape",
                                                     (out / "metrics.csv").string());
    std::cout << "\nwrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string() << ", "
              << (out / "expression").string() << (drawn ? ".dot/.png, " : ".dot, ") << (out / "mlp_step").string()
              << (drawn ? ".dot/.png, " : ".dot, ") << (out / "transformer_block").string()
              << (drawn ? ".dot/.png" : ".dot");
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "curves.png").string();
    if (corpus) std::cout << ", and the Transformer's files in " << (out / "transformer").string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
