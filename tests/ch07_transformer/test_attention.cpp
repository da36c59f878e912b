// Attention: the naive forward against plain loops and hand-worked weights, its backward against
// finite differences (with and without the causal mask), every forward in attention_variants (the
// block-wise online softmax) against the naive one on awkward lengths and blocks, and multi-head
// self-attention.
#include "dl/ops/attention.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using testing::random_tensor;
using testing::require_close;

namespace {
// A floor of 1e-3 on the relative error's denominator: the key bias's gradient is exactly 0 where
// a constant added to every key changes no weight, and central differences leave ~1e-11 there.
struct Check : testing::GradientChecks {
    Check() { options = {.h = 1e-5, .floor = 1e-3}; }
};

double dot(const TensorD& a, const TensorD& b) { return testing::detail::dot_all(a, b); }

// Attention by its definition, one problem, one output at a time, in double: the tests' yardstick.
TensorD attention_by_definition(const TensorD& Q, const TensorD& K, const TensorD& V, bool causal) {
    const std::size_t N = Q.dim(0), Tq = Q.dim(1), Tk = K.dim(1), d = Q.dim(2);
    TensorD O({N, Tq, d});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t i = 0; i < Tq; ++i) {
            const std::size_t keys = causal ? i + 1 : Tk;
            std::vector<double> s(keys);
            double m = -1e300, sum = 0;
            for (std::size_t j = 0; j < keys; ++j) {
                for (std::size_t e = 0; e < d; ++e) s[j] += Q[(n * Tq + i) * d + e] * K[(n * Tk + j) * d + e];
                s[j] /= std::sqrt(static_cast<double>(d));
                m = std::max(m, s[j]);
            }
            for (std::size_t j = 0; j < keys; ++j) sum += (s[j] = std::exp(s[j] - m));
            for (std::size_t j = 0; j < keys; ++j)
                for (std::size_t e = 0; e < d; ++e) O[(n * Tq + i) * d + e] += s[j] / sum * V[(n * Tk + j) * d + e];
        }
    return O;
}

}  // namespace

TEST_CASE("ch07.attention_forward weighs the values by softmax(q·k / √d), worked by hand", "[ch07][exercise]") {
    // One query, two keys, d = 4 (√d = 2): scores q·k/2 = [2/2, 0] = [1, 0]; weights e/(e+1), 1/(e+1).
    const TensorD Q = TensorD::from({1, 1, 4}, {1, 1, 0, 0});
    const TensorD K = TensorD::from({1, 2, 4}, {1, 1, 0, 0, 0, 0, 1, 1});
    const TensorD V = TensorD::from({1, 2, 4}, {10, 0, 0, 0, 0, 20, 0, 0});
    TensorD O({1, 1, 4}, std::nan("")), P({1, 1, 2}, std::nan(""));   // overwritten, not added to
    attention_forward(O, P, Q, K, V, false);
    const double a = std::exp(1.0) / (std::exp(1.0) + 1), b = 1 / (std::exp(1.0) + 1);
    const double e2 = std::exp(2.0), e_half = std::exp(0.5);
    require_close(P, TensorD::from({1, 1, 2}, {a, b}), 1e-12, 0, "P",
                  {{"the scores are not scaled: softmax(q·k / √d), here q·k = 2 over √4 = 2",
                    TensorD::from({1, 1, 2}, {e2 / (e2 + 1), 1 / (e2 + 1)})},
                   {"the scores divided by d instead of √d", TensorD::from({1, 1, 2}, {e_half / (e_half + 1), 1 / (e_half + 1)})},
                   {"the raw scores q·k / √d, without the softmax", TensorD::from({1, 1, 2}, {1, 0})}});
    require_close(O, TensorD::from({1, 1, 4}, {10 * a, 20 * b, 0, 0}), 1e-12, 1e-15, "O");
}

TEST_CASE("ch07.attention_forward equals the definition, with and without the causal mask", "[ch07][exercise]") {
    for (const bool causal : {false, true}) {
        const std::size_t N = 3, T = 7, d = 5;
        const TensorD Q = random_tensor<double>({N, T, d}, 1), K = random_tensor<double>({N, T, d}, 2),
                      V = random_tensor<double>({N, T, d}, 3);
        TensorD O({N, T, d}, std::nan("")), P({N, T, T}, std::nan(""));
        attention_forward(O, P, Q, K, V, causal);
        attention_forward(O, P, Q, K, V, causal);   // twice into the same tensors: the same result
        INFO("causal " << causal);
        require_close(O, attention_by_definition(Q, K, V, causal), 1e-10, 1e-12, "O");
        REQUIRE(P.shape() == Shape{N, T, T});
        for (std::size_t r = 0; r < N * T; ++r) {   // every row of weights sums to 1; the future weighs 0
            double sum = 0;
            for (std::size_t j = 0; j < T; ++j) sum += P[r * T + j];
            CHECK(std::abs(sum - 1) < 1e-12);
            if (causal)
                for (std::size_t j = r % T + 1; j < T; ++j) CHECK(P[r * T + j] == 0.0);
        }
    }
    // More keys than queries (cross-attention's shape), and float.
    const TensorD Q = random_tensor<double>({2, 3, 8}, 4), K = random_tensor<double>({2, 11, 8}, 5),
                  V = random_tensor<double>({2, 11, 8}, 6);
    Tensor O, P;
    attention_forward(O, P, tensor_cast<float>(Q), tensor_cast<float>(K), tensor_cast<float>(V), false);
    require_close(O, attention_by_definition(Q, K, V, false), 1e-4, 1e-5, "O in float");
    TensorD Od, Pd;
    CHECK(testing::throws_error([&] { attention_forward(Od, Pd, Q, K, V, true); }));   // causal needs Tq = Tk
    CHECK(testing::throws_error([&] { attention_forward(Od, Pd, Q, K, random_tensor<double>({2, 10, 8}, 7), false); }));
}

TEST_CASE("ch07.attention_backward matches finite differences for Q, K and V, with and without the mask",
          "[ch07][exercise]") {
    struct Case {
        std::size_t N, Tq, Tk, d;
        bool causal;
    };
    for (const Case k : {Case{1, 1, 1, 1, false}, Case{2, 4, 4, 3, true}, Case{2, 5, 5, 4, false}, Case{1, 3, 6, 2, false},
                         Case{3, 6, 6, 2, true}}) {
        TensorD Q = random_tensor<double>({k.N, k.Tq, k.d}, 8), K = random_tensor<double>({k.N, k.Tk, k.d}, 9),
                V = random_tensor<double>({k.N, k.Tk, k.d}, 10), O, P;
        const TensorD dO = random_tensor<double>({k.N, k.Tq, k.d}, 11);
        const auto loss = [&] {
            attention_forward(O, P, Q, K, V, k.causal);
            return dot(O, dO);
        };
        loss();
        TensorD dQ({k.N, k.Tq, k.d}, std::nan("")), dK, dV;   // sized by the backward
        attention_backward(dQ, dK, dV, dO, Q, K, V, P);
        Check c;
        c.against("dQ", Q, dQ, loss);
        c.against("dK", K, dK, loss);
        c.against("dV", V, dV, loss);
        INFO("N " << k.N << ", Tq " << k.Tq << ", Tk " << k.Tk << ", d " << k.d << ", causal " << k.causal << ": "
                  << c.report.describe());
        CHECK(c.report.max_rel_error < 1e-6);
        if (k.causal)   // the last key is seen by the last query only: its gradient comes from that row
            for (std::size_t e = 0; e < k.d; ++e) CHECK(dK[(k.Tk - 1) * k.d + e] != 0.0);
    }
}

TEST_CASE("ch07.attention_backward learns a toy task: each position learns to attend to the one before it",
          "[ch07][exercise]") {
    // The smallest attention model that learns, to debug attention on before the full Transformer:
    // one sequence of T = 6 positions whose values are the one-hot codes of the positions (V = I),
    // so the output at t is row t of the weights P. The queries Q and keys K are the parameters,
    // trained by plain gradient descent on ½ Σ (O − target)² with target[t] = the code of t − 1
    // (position 0, which sees only itself, keeps its own). Causal, so a position sees the past
    // only. A forward pass, attention_backward's dQ and dK, and a step: nothing else is needed.
    const std::size_t T = 6;
    TensorD Q = random_tensor<double>({1, T, T}, 40, 0.1), K = random_tensor<double>({1, T, T}, 41, 0.1);
    TensorD V({1, T, T}), target({1, T, T});
    for (std::size_t t = 0; t < T; ++t) {
        V[t * T + t] = 1;
        target[t * T + (t == 0 ? 0 : t - 1)] = 1;
    }
    TensorD O, P, dO(V.shape()), dQ, dK, dV;
    double loss = 0;
    for (int step = 0; step < 400; ++step) {
        attention_forward(O, P, Q, K, V, /*causal=*/true);
        loss = 0;
        for (std::size_t i = 0; i < O.size(); ++i) {
            dO[i] = O[i] - target[i];
            loss += 0.5 * dO[i] * dO[i];
        }
        attention_backward(dQ, dK, dV, dO, Q, K, V, P);
        for (std::size_t i = 0; i < Q.size(); ++i) Q[i] -= 2.0 * dQ[i], K[i] -= 2.0 * dK[i];
    }
    INFO("loss after 400 steps " << loss << " (a wrong dQ or dK stalls it, or sends it the wrong way)");
    for (std::size_t t = 1; t < T; ++t) {
        CAPTURE(t, P[t * T + t - 1]);
        CHECK(P[t * T + t - 1] > 0.9);   // position t looks at t − 1
    }
}

TEST_CASE("ch07.attention_blockwise_forward (every row of attention_variants) equals the naive attention on "
          "awkward lengths and blocks",
          "[ch07][exercise]") {
    // Lengths 1, primes, and others that are not a multiple of the block; blocks of 1, 3, 16, 64
    // (a row without blocks, the naive one, ignores them).
    for (const std::size_t T : {1, 2, 3, 7, 13, 31, 64, 67, 127})
        for (const bool causal : {false, true}) {
            const std::size_t N = 2, d = 8;
            const TensorD Q = random_tensor<double>({N, T, d}, 12 + T), K = random_tensor<double>({N, T, d}, 13 + T),
                          V = random_tensor<double>({N, T, d}, 14 + T);
            TensorD naive, P;
            attention_forward(naive, P, Q, K, V, causal);
            for (const auto& variant : attention_variants<double>)
                for (const std::size_t block : {1, 3, 16, 64}) {
                    TensorD O({N, T, d}, std::nan("")), P_variant;
                    variant.fn(O, P_variant, Q, K, V, causal, block);
                    INFO(variant.name << ": T " << T << ", block " << block << ", causal " << causal);
                    require_close(O, naive, 1e-11, 1e-12, "O");
                }
        }
    // Scores big enough that e^s overflows without the running maximum, and keys ≠ queries.
    const TensorD Q = random_tensor<double>({1, 9, 4}, 15, 30.0), K = random_tensor<double>({1, 23, 4}, 16, 30.0),
                  V = random_tensor<double>({1, 23, 4}, 17);
    TensorD naive, P;
    attention_forward(naive, P, Q, K, V, false);
    for (const auto& variant : attention_variants<double>) {
        TensorD O({1, 9, 4}, std::nan("")), P_variant;
        variant.fn(O, P_variant, Q, K, V, false, 5);
        INFO(variant.name);
        require_close(O, naive, 1e-10, 1e-12, "O with huge scores");
    }
    Tensor Of, Pf;   // float, the model's type, at its sizes
    const Tensor Qf = random_tensor<float>({4, 128, 32}, 18), Kf = random_tensor<float>({4, 128, 32}, 19),
                 Vf = random_tensor<float>({4, 128, 32}, 20);
    attention_forward(Of, Pf, Qf, Kf, Vf, true);
    for (const auto& variant : attention_variants<float>) {
        Tensor O({4, 128, 32}, std::nanf("")), P_variant;
        variant.fn(O, P_variant, Qf, Kf, Vf, true, 64);
        INFO(variant.name);
        require_close(O, tensor_cast<double>(Of), 1e-4, 1e-5, "O in float");
    }
    TensorD blockwise;
    CHECK(testing::throws_error([&] { attention_blockwise_forward(blockwise, Q, K, V, false, 0); }));
}

namespace {
// Multi-head attention spelled out: each head's projections as loops, attention by definition.
TensorD multihead_by_definition(const TensorD& X, const TensorD& Wqkv, const TensorD& bqkv, const TensorD& Wo,
                                const TensorD& bo, std::size_t heads) {
    const std::size_t B = X.dim(0), T = X.dim(1), C = X.dim(2), d = C / heads;
    TensorD Y({B, T, C});
    for (std::size_t b = 0; b < B; ++b) {
        TensorD merged({T, C});
        for (std::size_t h = 0; h < heads; ++h) {
            TensorD q({1, T, d}), k({1, T, d}), v({1, T, d});
            for (std::size_t t = 0; t < T; ++t)
                for (std::size_t e = 0; e < d; ++e) {
                    double sq = bqkv[h * d + e], sk = bqkv[C + h * d + e], sv = bqkv[2 * C + h * d + e];
                    for (std::size_t c = 0; c < C; ++c) {
                        const double x = X[(b * T + t) * C + c];
                        sq += Wqkv(h * d + e, c) * x, sk += Wqkv(C + h * d + e, c) * x, sv += Wqkv(2 * C + h * d + e, c) * x;
                    }
                    q[t * d + e] = sq, k[t * d + e] = sk, v[t * d + e] = sv;
                }
            const TensorD o = attention_by_definition(q, k, v, true);
            for (std::size_t t = 0; t < T; ++t)
                for (std::size_t e = 0; e < d; ++e) merged(t, h * d + e) = o[t * d + e];
        }
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t j = 0; j < C; ++j) {
                double s = bo[j];
                for (std::size_t c = 0; c < C; ++c) s += Wo(j, c) * merged(t, c);
                Y[(b * T + t) * C + j] = s;
            }
    }
    return Y;
}
}  // namespace

TEST_CASE("ch07.multihead_attention_forward equals each head's attention, merged and projected",
          "[ch07][exercise]") {
    const std::size_t B = 2, T = 5, C = 6, heads = 3;
    const TensorD X = random_tensor<double>({B, T, C}, 21), Wqkv = random_tensor<double>({3 * C, C}, 22, 0.5),
                  bqkv = random_tensor<double>({3 * C}, 23), Wo = random_tensor<double>({C, C}, 24, 0.5),
                  bo = random_tensor<double>({C}, 25);
    TensorD Y({B, T, C}, std::nan(""));
    AttentionCache<double> cache;   // every tensor poisoned: the forward sizes and overwrites them
    for (TensorD* t : {&cache.qkv, &cache.Q, &cache.K, &cache.V, &cache.P, &cache.O, &cache.merged})
        *t = TensorD({B * T, 3 * C}, std::nan(""));
    multihead_attention_forward(Y, cache, X, Wqkv, bqkv, Wo, bo, heads, true);
    require_close(Y, multihead_by_definition(X, Wqkv, bqkv, Wo, bo, heads), 1e-10, 1e-12, "Y");
    REQUIRE(cache.P.shape() == Shape{B * heads, T, T});
    CHECK(testing::throws_error([&] { multihead_attention_forward(Y, cache, X, Wqkv, bqkv, Wo, bo, 4, true); }));
    CHECK(testing::throws_error(
        [&] { multihead_attention_forward(Y, cache, X, random_tensor<double>({C, C}, 26), bqkv, Wo, bo, heads, true); }));
}

TEST_CASE("ch07.multihead_attention_backward matches finite differences for X and every weight", "[ch07][exercise]") {
    const std::size_t B = 2, T = 4, C = 4, heads = 2;
    TensorD X = random_tensor<double>({B, T, C}, 27), Wqkv = random_tensor<double>({3 * C, C}, 28, 0.5),
            bqkv = random_tensor<double>({3 * C}, 29), Wo = random_tensor<double>({C, C}, 30, 0.5),
            bo = random_tensor<double>({C}, 31), Y;
    const TensorD dY = random_tensor<double>({B, T, C}, 32);
    AttentionCache<double> cache;
    const auto loss = [&] {
        multihead_attention_forward(Y, cache, X, Wqkv, bqkv, Wo, bo, heads, true);
        return dot(Y, dY);
    };
    loss();
    const TensorD dWqkv0 = random_tensor<double>({3 * C, C}, 33), dbqkv0 = random_tensor<double>({3 * C}, 34),
                  dWo0 = random_tensor<double>({C, C}, 35), dbo0 = random_tensor<double>({C}, 36);
    TensorD dX({B * T, C}, std::nan("")), dWqkv = dWqkv0, dbqkv = dbqkv0, dWo = dWo0, dbo = dbo0;
    multihead_attention_backward(dX, dWqkv, dbqkv, dWo, dbo, dY, cache, X, Wqkv, Wo, heads);
    REQUIRE(dX.shape() == X.shape());   // resized from [B·T, C] (what the model passes) to [B, T, C]
    const auto subtract = [](TensorD& t, const TensorD& t0) {
        for (std::size_t i = 0; i < t.size(); ++i) t[i] -= t0[i];   // accumulated: what was there stays
    };
    subtract(dWqkv, dWqkv0), subtract(dbqkv, dbqkv0), subtract(dWo, dWo0), subtract(dbo, dbo0);
    AttentionCache<double> empty;   // no forward: refused, not read
    TensorD dX2;
    CHECK(testing::throws_error([&] { multihead_attention_backward(dX2, dWqkv, dbqkv, dWo, dbo, dY, empty, X, Wqkv, Wo, heads); }));
    Check c;
    c.against("dX", X, dX, loss);
    c.against("dWqkv", Wqkv, dWqkv, loss);
    c.against("dbqkv", bqkv, dbqkv, loss);
    c.against("dWo", Wo, dWo, loss);
    c.against("dbo", bo, dbo, loss);
    INFO(c.report.describe());
    CHECK(c.report.max_rel_error < 1e-6);
}

TEST_CASE("heads move between rows and the B·h × T × d layout and back, and attention's shapes are checked", "[ch07][infra]") {
    const std::size_t B = 2, T = 3, h = 2, d = 2, stride = 7, first = 2;
    TensorD rows({B * T, stride});
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<double>(i);
    TensorD heads;
    heads_from_rows(heads, rows.data(), stride, first, B, T, h, d);
    REQUIRE(heads.shape() == Shape{B * h, T, d});
    // Head 1 of sequence 1, position 2: row 1·3 + 2 = 5, columns 2 + 1·2 = 4 and 5.
    CHECK(heads[((1 * h + 1) * T + 2) * d + 0] == rows(5, 4));
    CHECK(heads[((1 * h + 1) * T + 2) * d + 1] == rows(5, 5));
    TensorD back({B * T, stride}, -1.0);
    rows_from_heads(back.data(), stride, first, heads, B, T, h, d);
    for (std::size_t r = 0; r < B * T; ++r)
        for (std::size_t c = 0; c < stride; ++c)
            CHECK(back(r, c) == (c >= first && c < first + h * d ? rows(r, c) : -1.0));
    CHECK_THROWS_AS(check_attention_shapes("test", {2, 3, 4}, {2, 5, 4}, {2, 5, 4}, true), ShapeError);
    CHECK_THROWS_AS(check_attention_shapes("test", {2, 3, 4}, {2, 3, 5}, {2, 3, 5}, false), ShapeError);
    CHECK_NOTHROW(check_attention_shapes("test", {2, 3, 4}, {2, 5, 4}, {2, 5, 4}, false));
}
