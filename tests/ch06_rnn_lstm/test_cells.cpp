// The recurrent cells and their unrolled sequences: finite differences in double through several
// steps (the starting state included), every step in lstm_step_variants (the fused LSTM) against the
// per-gate one, and the contract (inputs' gradients overwritten, weights' accumulated, bad shapes
// refused).
#include "dl/ops/rnn.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

using namespace dl;
using testing::random_tensor;
using testing::require_close;
using Check = testing::GradientChecks;

namespace {

double dot(const TensorD& a, const TensorD& b) { return testing::detail::dot_all(a, b); }

// A GEMM that counts its calls, for "the four gates in ONE GEMM" (then chapter 2's naive one).
int gemm_calls = 0;
void counting_gemm(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A,
                   std::size_t lda, const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc) {
    ++gemm_calls;
    gemm_naive<double>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// B, T, D, H: batches of 1 and 3, one step and several, inputs narrower and wider than the state.
struct SeqCase {
    std::size_t B, T, D, H;
};
const SeqCase seq_cases[] = {{1, 1, 3, 2}, {3, 4, 2, 3}, {2, 6, 5, 4}};

}  // namespace

TEST_CASE("ch06.embedding_forward looks up one row per id", "[ch06][exercise]") {
    const TensorD E = TensorD::from({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
    TensorD Y;
    const std::vector<int> ids{2, 0, 2, 3};
    embedding_forward(Y, std::span<const int>(ids), E);
    require_close(Y, TensorD::from({4, 2}, {20, 21, 0, 1, 20, 21, 30, 31}), 0, 0, "Y");
    const std::vector<int> bad{1, 4};
    CHECK(testing::throws_error([&] { embedding_forward(Y, std::span<const int>(bad), E); }));
    const std::vector<int> negative{-1};
    CHECK(testing::throws_error([&] { embedding_forward(Y, std::span<const int>(negative), E); }));
}

TEST_CASE("ch06.embedding_backward adds every position's gradient to its id's row", "[ch06][exercise]") {
    TensorD dE = TensorD::from({3, 2}, {1, 1, 1, 1, 1, 1});   // accumulates onto what is there
    const TensorD dY = TensorD::from({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    const std::vector<int> ids{2, 0, 2, 2};
    embedding_backward(dE, dY, std::span<const int>(ids));
    require_close(dE, TensorD::from({3, 2}, {4, 5, 1, 1, 1 + 1 + 5 + 7, 1 + 2 + 6 + 8}), 0, 0, "dE",
                  {{"each position's gradient assigned to its row, not added: id 2 appears three times, and all "
                    "three gradients count",
                    TensorD::from({3, 2}, {3, 4, 1, 1, 7, 8})},
                   {"dE zeroed first: the gradients add onto what dE holds (the caller zeroes it once per step)",
                    TensorD::from({3, 2}, {3, 4, 0, 0, 13, 16})}});
    const TensorD wrong({3, 2});
    CHECK(testing::throws_error([&] { embedding_backward(dE, wrong, std::span<const int>(ids)); }));
}

TEST_CASE("ch06.rnn_cell_forward computes tanh(W [x, h] + b)", "[ch06][exercise]") {
    // B = 1, D = 1, H = 2: W = [[1, 0.5, −1], [0, 2, 1]], x = 0.5, h = (1, −1), b = (0.1, −0.2)
    //   a_0 = 0.5 + 0.5 + 1 + 0.1 = 2.1     a_1 = 0 + 2 − 1 − 0.2 = 0.8
    const TensorD x = TensorD::from({1, 1}, {0.5}), h_prev = TensorD::from({1, 2}, {1, -1});
    const TensorD W = TensorD::from({2, 3}, {1, 0.5, -1, 0, 2, 1}), b = TensorD::from({2}, {0.1, -0.2});
    TensorD h, z;
    rnn_cell_forward(h, z, x, h_prev, W, b);
    const auto sigma = [](double a) { return 1 / (1 + std::exp(-a)); };
    require_close(h, TensorD::from({1, 2}, {std::tanh(2.1), std::tanh(0.8)}), 1e-14, 0, "h",
                  {{"z = [h_prev, x]: the input comes first, z = [x, h_prev], and W's first D columns meet x",
                    TensorD::from({1, 2}, {std::tanh(0.1), std::tanh(-1.7)})},
                   {"the bias left out", TensorD::from({1, 2}, {std::tanh(2.0), std::tanh(1.0)})},
                   {"the sigmoid instead of tanh", TensorD::from({1, 2}, {sigma(2.1), sigma(0.8)})}});
    require_close(z, TensorD::from({1, 3}, {0.5, 1, -1}), 0, 0, "z = [x, h_prev]",
                  {{"z = [h_prev, x]: the input comes first", TensorD::from({1, 3}, {1, -1, 0.5})}});
    const TensorD W_wrong({2, 2}), b_wrong({3});
    CHECK(testing::throws_error([&] { rnn_cell_forward(h, z, x, h_prev, W_wrong, b); }));
    CHECK(testing::throws_error([&] { rnn_cell_forward(h, z, x, h_prev, W, b_wrong); }));
}

TEST_CASE("ch06.rnn_cell_backward matches finite differences and accumulates dW, db", "[ch06][exercise]") {
    const std::size_t B = 3, D = 2, H = 4;
    TensorD x = random_tensor<double>({B, D}, 1), h_prev = random_tensor<double>({B, H}, 2);
    TensorD W = random_tensor<double>({H, D + H}, 3, 0.5), b = random_tensor<double>({H}, 4, 0.5);
    const TensorD dh = random_tensor<double>({B, H}, 5);
    TensorD h, z, dx, dh_prev;
    const auto loss = [&] {
        rnn_cell_forward(h, z, x, h_prev, W, b);
        return dot(h, dh);
    };
    loss();
    const TensorD dW0 = random_tensor<double>({H, D + H}, 6), db0 = random_tensor<double>({H}, 7);
    TensorD dW = dW0, db = db0;
    dx = TensorD({B, D}, std::nan(""));   // overwritten, whatever was in it
    rnn_cell_backward(dx, dh_prev, dW, db, dh, z, h, W);
    for (std::size_t i = 0; i < dW.size(); ++i) dW[i] -= dW0[i];
    for (std::size_t i = 0; i < db.size(); ++i) db[i] -= db0[i];
    Check c;
    c.against("dx", x, dx, loss);
    c.against("dh_prev", h_prev, dh_prev, loss);
    c.against("dW", W, dW, loss);
    c.against("db", b, db, loss);
    INFO(c.report.describe());
    CHECK(c.report.max_rel_error < 1e-6);
}

TEST_CASE("ch06.lstm_cell_forward_naive computes the four gates worked by hand", "[ch06][exercise]") {
    // B = 1, D = 1, H = 1, z = [x, h] = [1, 0.5]; rows of W: i, f, g, o.
    //   a_i = 1·1 + 0.5·0 + 0 = 1      a_f = 0 + 0.5·2 + 0.5 = 1.5
    //   a_g = −1 + 0 + 0 = −1          a_o = 0.5 + 0.5 − 1 = 0
    const TensorD x = TensorD::from({1, 1}, {1}), h_prev = TensorD::from({1, 1}, {0.5}),
                  c_prev = TensorD::from({1, 1}, {2});
    const TensorD W = TensorD::from({4, 2}, {1, 0, 0, 2, -1, 0, 0.5, 1}), b = TensorD::from({4}, {0, 0.5, 0, -1});
    StepCache<double> s;
    lstm_cell_forward_naive(s, x, h_prev, c_prev, W, b);
    const auto sigma = [](double a) { return 1 / (1 + std::exp(-a)); };
    const double i = sigma(1), f = sigma(1.5), g = std::tanh(-1.0), o = sigma(0), c = f * 2 + i * g;
    require_close(s.gates, TensorD::from({1, 4}, {i, f, g, o}), 1e-14, 0, "gates (i, f, g, o)",
                  {{"the blocks read as i, f, o, g: PyTorch's rows are i, f, g, o, so tanh goes on the third block",
                    TensorD::from({1, 4}, {i, f, sigma(-1.0), std::tanh(0.0)})},
                   {"tanh on every gate: only g (the candidate) takes tanh, i, f and o the sigmoid",
                    TensorD::from({1, 4}, {std::tanh(1.0), std::tanh(1.5), g, std::tanh(0.0)})}});
    require_close(s.c, TensorD::from({1, 1}, {c}), 1e-14, 0, "c",
                  {{"i and f swapped: c = f ⊙ c_prev + i ⊙ g (f keeps the old cell, i lets the new in)",
                    TensorD::from({1, 1}, {i * 2 + f * g})},
                   {"the input gate left out: c = f ⊙ c_prev + i ⊙ g", TensorD::from({1, 1}, {f * 2 + g})}});
    require_close(s.tanh_c, TensorD::from({1, 1}, {std::tanh(c)}), 1e-14, 0, "tanh c");
    require_close(s.h, TensorD::from({1, 1}, {o * std::tanh(c)}), 1e-14, 0, "h",
                  {{"tanh left out: h = o ⊙ tanh(c)", TensorD::from({1, 1}, {o * c})}});
}

TEST_CASE("ch06.lstm_cell_forward_naive reads each gate's own block of W and b (rows k·H + j)", "[ch06][exercise]") {
    // H = 3, so a layout other than PyTorch's (gate k, unit j at row k·H + j), say interleaved
    // (row 4j + k), gives other numbers. The definition, spelt out here unit by unit.
    const std::size_t B = 2, D = 2, H = 3;
    const TensorD x = random_tensor<double>({B, D}, 71), h_prev = random_tensor<double>({B, H}, 72);
    const TensorD c_prev = random_tensor<double>({B, H}, 73), W = random_tensor<double>({4 * H, D + H}, 74, 0.5);
    const TensorD b = random_tensor<double>({4 * H}, 75);
    StepCache<double> s;
    lstm_cell_forward_naive(s, x, h_prev, c_prev, W, b);
    const auto sigma = [](double a) { return 1 / (1 + std::exp(-a)); };
    for (std::size_t n = 0; n < B; ++n)
        for (std::size_t j = 0; j < H; ++j) {
            double a[4];
            for (std::size_t k = 0; k < 4; ++k) {
                a[k] = b[k * H + j];
                for (std::size_t m = 0; m < D; ++m) a[k] += W(k * H + j, m) * x(n, m);
                for (std::size_t m = 0; m < H; ++m) a[k] += W(k * H + j, D + m) * h_prev(n, m);
            }
            const double i = sigma(a[0]), f = sigma(a[1]), g = std::tanh(a[2]), o = sigma(a[3]);
            const double c = f * c_prev(n, j) + i * g;
            INFO("row " << n << ", unit " << j);
            CHECK(s.gates(n, j) == Approx(i).epsilon(1e-12));
            CHECK(s.gates(n, H + j) == Approx(f).epsilon(1e-12));
            CHECK(s.gates(n, 2 * H + j) == Approx(g).epsilon(1e-12));
            CHECK(s.gates(n, 3 * H + j) == Approx(o).epsilon(1e-12));
            CHECK(s.c(n, j) == Approx(c).epsilon(1e-12));
            CHECK(s.h(n, j) == Approx(o * std::tanh(c)).epsilon(1e-12));
        }
}

TEST_CASE("ch06.lstm_cell_forward (every row of lstm_step_variants) equals the per-gate cell, with one GEMM for "
          "the four gates",
          "[ch06][exercise]") {
    // Awkward sizes: a batch of 1, primes, H not a multiple of any tile, D larger and smaller than H.
    for (const auto [B, D, H] : {std::array<std::size_t, 3>{1, 1, 1}, {3, 5, 7}, {2, 17, 3}, {5, 3, 19}}) {
        const TensorD x = random_tensor<double>({B, D}, 10 + B), h_prev = random_tensor<double>({B, H}, 11);
        const TensorD c_prev = random_tensor<double>({B, H}, 12), W = random_tensor<double>({4 * H, D + H}, 13, 0.5);
        const TensorD b = random_tensor<double>({4 * H}, 14);
        StepCache<double> naive;
        lstm_cell_forward_naive(naive, x, h_prev, c_prev, W, b);
        for (const auto& variant : lstm_step_variants<double>) {
            StepCache<double> s;
            s.gates = TensorD({B, 4 * H}, std::nan(""));   // an unwritten element cannot pass
            s.h = TensorD({B, H}, std::nan(""));
            variant.fn(s, x, h_prev, c_prev, W, b);
            INFO(variant.name << ": B = " << B << ", D = " << D << ", H = " << H);
            require_close(s.gates, naive.gates, 1e-12, 1e-14, "gates");
            require_close(s.c, naive.c, 1e-12, 1e-14, "c");
            require_close(s.tanh_c, naive.tanh_c, 1e-12, 1e-14, "tanh c");
            require_close(s.h, naive.h, 1e-12, 1e-14, "h");
            require_close(s.z, naive.z, 0, 0, "z");
        }
        // The GEMM it is given, called once for all four gates.
        StepCache<double> counted;
        gemm_calls = 0;
        lstm_cell_forward(counted, x, h_prev, c_prev, W, b, &counting_gemm);
        CHECK(gemm_calls == 1);
        require_close(counted.h, naive.h, 1e-12, 1e-14, "h with the GEMM given");
    }
    StepCache<double> s;
    const TensorD x({2, 3}), h({2, 4}), c({2, 4}), W({16, 7}), b({16}), c_wrong({2, 5}), W_rnn({4, 7});
    CHECK(testing::throws_error([&] { lstm_cell_forward(s, x, h, c_wrong, W, b); }));
    CHECK(testing::throws_error([&] { lstm_cell_forward(s, x, h, c, W_rnn, b); }));
}

TEST_CASE("ch06.lstm_cell_backward matches finite differences for h and c", "[ch06][exercise]") {
    const std::size_t B = 3, D = 2, H = 3;
    TensorD x = random_tensor<double>({B, D}, 21), h_prev = random_tensor<double>({B, H}, 22);
    TensorD c_prev = random_tensor<double>({B, H}, 23), W = random_tensor<double>({4 * H, D + H}, 24, 0.6);
    TensorD b = random_tensor<double>({4 * H}, 25, 0.5);
    // Both outputs feed the loss: L = Σ h ⊙ dh + Σ c ⊙ dc (c is the next step's input too).
    const TensorD dh = random_tensor<double>({B, H}, 26), dc = random_tensor<double>({B, H}, 27);
    StepCache<double> s;
    const auto loss = [&] {
        lstm_cell_forward(s, x, h_prev, c_prev, W, b);
        return dot(s.h, dh) + dot(s.c, dc);
    };
    loss();
    const TensorD dW0 = random_tensor<double>({4 * H, D + H}, 28), db0 = random_tensor<double>({4 * H}, 29);
    TensorD dW = dW0, db = db0, dx, dh_prev, dc_prev({B, H}, std::nan(""));
    lstm_cell_backward(dx, dh_prev, dc_prev, dW, db, dh, dc, s, c_prev, W);
    for (std::size_t i = 0; i < dW.size(); ++i) dW[i] -= dW0[i];
    for (std::size_t i = 0; i < db.size(); ++i) db[i] -= db0[i];
    Check ck;
    ck.against("dx", x, dx, loss);
    ck.against("dh_prev", h_prev, dh_prev, loss);
    ck.against("dc_prev", c_prev, dc_prev, loss);
    ck.against("dW", W, dW, loss);
    ck.against("db", b, db, loss);
    INFO(ck.report.describe());
    CHECK(ck.report.max_rel_error < 1e-6);
}

TEST_CASE("ch06.rnn_sequence_forward carries h from step to step", "[ch06][exercise]") {
    // The unrolled sequence equals the cell called step by step by hand.
    const std::size_t B = 2, T = 3, D = 2, H = 3;
    const TensorD X = random_tensor<double>({B, T, D}, 31), h0 = random_tensor<double>({B, H}, 32);
    const TensorD W = random_tensor<double>({H, D + H}, 33, 0.5), b = random_tensor<double>({H}, 34);
    TensorD Y;
    std::vector<StepCache<double>> steps;
    rnn_sequence_forward(Y, steps, X, h0, W, b);
    REQUIRE(steps.size() == T);
    TensorD h = h0, z, x({B, D});
    for (std::size_t t = 0; t < T; ++t) {
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t d = 0; d < D; ++d) x(n, d) = X[(n * T + t) * D + d];
        TensorD next;
        rnn_cell_forward(next, z, x, h, W, b);
        h = next;
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t j = 0; j < H; ++j) CHECK(Y[(n * T + t) * H + j] == Approx(h(n, j)).epsilon(1e-13));
    }
    require_close(steps.back().h, h, 1e-13, 0, "the final state");
}

TEST_CASE("ch06.rnn_sequence_backward matches finite differences through every step and h0", "[ch06][exercise]") {
    for (const auto& [B, T, D, H] : seq_cases) {
        TensorD X = random_tensor<double>({B, T, D}, 41), h0 = random_tensor<double>({B, H}, 42);
        TensorD W = random_tensor<double>({H, D + H}, 43, 0.6), b = random_tensor<double>({H}, 44, 0.3);
        const TensorD dY = random_tensor<double>({B, T, H}, 45);
        TensorD Y;
        std::vector<StepCache<double>> steps;
        const auto loss = [&] {
            rnn_sequence_forward(Y, steps, X, h0, W, b);
            return dot(Y, dY);
        };
        loss();
        // dW and db start from random values: they must accumulate, not be overwritten.
        const TensorD dW0 = random_tensor<double>({H, D + H}, 46), db0 = random_tensor<double>({H}, 47);
        TensorD dX({B, T, D}, std::nan("")), dh0, dW = dW0, db = db0;
        rnn_sequence_backward(dX, dh0, dW, db, dY, steps, W);
        for (std::size_t i = 0; i < dW.size(); ++i) dW[i] -= dW0[i];
        for (std::size_t i = 0; i < db.size(); ++i) db[i] -= db0[i];
        Check ck;
        ck.against("dX", X, dX, loss);
        ck.against("dh0", h0, dh0, loss);
        ck.against("dW", W, dW, loss);
        ck.against("db", b, db, loss);
        INFO("B = " << B << ", T = " << T << ", D = " << D << ", H = " << H << ": " << ck.report.describe());
        CHECK(ck.report.max_rel_error < 1e-6);
    }
}

TEST_CASE("ch06.lstm_sequence_forward carries h and c from step to step", "[ch06][exercise]") {
    const std::size_t B = 2, T = 3, D = 2, H = 3;
    const TensorD X = random_tensor<double>({B, T, D}, 51), h0 = random_tensor<double>({B, H}, 52);
    const TensorD c0 = random_tensor<double>({B, H}, 53), W = random_tensor<double>({4 * H, D + H}, 54, 0.5);
    const TensorD b = random_tensor<double>({4 * H}, 55);
    TensorD Y;
    std::vector<StepCache<double>> steps;
    lstm_sequence_forward(Y, steps, X, h0, c0, W, b);
    REQUIRE(steps.size() == T);
    TensorD h = h0, c = c0, x({B, D});
    for (std::size_t t = 0; t < T; ++t) {
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t d = 0; d < D; ++d) x(n, d) = X[(n * T + t) * D + d];
        StepCache<double> s;
        lstm_cell_forward_naive(s, x, h, c, W, b);
        h = s.h, c = s.c;
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t j = 0; j < H; ++j) CHECK(Y[(n * T + t) * H + j] == Approx(h(n, j)).epsilon(1e-12));
    }
    require_close(steps.back().h, h, 1e-12, 0, "the final h");
    require_close(steps.back().c, c, 1e-12, 0, "the final c");
}

TEST_CASE("ch06.lstm_sequence_backward matches finite differences through every step, h0 and c0",
          "[ch06][exercise]") {
    for (const auto& [B, T, D, H] : seq_cases) {
        TensorD X = random_tensor<double>({B, T, D}, 61), h0 = random_tensor<double>({B, H}, 62);
        TensorD c0 = random_tensor<double>({B, H}, 63), W = random_tensor<double>({4 * H, D + H}, 64, 0.6);
        TensorD b = random_tensor<double>({4 * H}, 65, 0.3);
        const TensorD dY = random_tensor<double>({B, T, H}, 66);
        TensorD Y;
        std::vector<StepCache<double>> steps;
        const auto loss = [&] {
            lstm_sequence_forward(Y, steps, X, h0, c0, W, b);
            return dot(Y, dY);
        };
        loss();
        const TensorD dW0 = random_tensor<double>({4 * H, D + H}, 67), db0 = random_tensor<double>({4 * H}, 68);
        TensorD dX({B, T, D}, std::nan("")), dh0, dc0, dW = dW0, db = db0;
        lstm_sequence_backward(dX, dh0, dc0, dW, db, dY, steps, c0, W);
        for (std::size_t i = 0; i < dW.size(); ++i) dW[i] -= dW0[i];
        for (std::size_t i = 0; i < db.size(); ++i) db[i] -= db0[i];
        Check ck;
        ck.against("dX", X, dX, loss);
        ck.against("dh0", h0, dh0, loss);
        ck.against("dc0", c0, dc0, loss);
        ck.against("dW", W, dW, loss);
        ck.against("db", b, db, loss);
        INFO("B = " << B << ", T = " << T << ", D = " << D << ", H = " << H << ": " << ck.report.describe());
        CHECK(ck.report.max_rel_error < 1e-6);
    }
}

TEST_CASE("a recurrent cell's shapes are checked: W [G·H, D+H] and b [G·H] for x [B, D] and h [B, H]", "[ch06][infra]") {
    CHECK_NOTHROW(check_cell_shapes("test", 4, {2, 3}, {2, 5}, {20, 8}, {20}));
    CHECK(testing::throws_error([] { check_cell_shapes("test", 4, {2, 3}, {2, 5}, {5, 8}, {20}); }));   // an RNN's W
    CHECK(testing::throws_error([] { check_cell_shapes("test", 1, {2, 3}, {3, 5}, {5, 8}, {5}); }));    // batches differ
    CHECK(testing::throws_error([] { check_cell_shapes("test", 1, {2, 3}, {2, 5}, {5, 8}, {4}); }));    // b
    TensorD z;
    cell_input(z, TensorD::from({2, 1}, {1, 2}), TensorD::from({2, 2}, {3, 4, 5, 6}));
    CHECK(z.shape() == Shape{2, 3});
    CHECK(std::vector<double>(z.begin(), z.end()) == std::vector<double>{1, 3, 4, 2, 5, 6});
}
