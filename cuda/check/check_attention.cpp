// Attention: every variant, with and without the causal mask, against chapter 7's naive
// attention_forward<double>.
//
// Tolerance: an output is Σ_j p_ij · v_j over up to T keys, and each p_ij comes from a D-long dot
// product, so the FP32 rounding error grows with both; we allow fp32_tol(T + D). Shapes are chosen
// to expose tiling bugs: T = 1 (one key, one partial tile), T not a multiple of any tile size (17,
// 65, 100, 257, 1000), several heads (a wrong head offset), and every head size flash supports.
#include "check.hpp"

#include "dl/cuda/attention.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/error.hpp"
#include "dl/ops/attention.hpp"

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <vector>

namespace dl::cuda::check {

namespace {

struct AttentionShape {
    int BH, T, D;
};

std::string shape_name(const AttentionShape& s) {
    return std::to_string(s.BH) + "x" + std::to_string(s.T) + "x" + std::to_string(s.D);
}

// The reference: chapter 7's attention_forward (the scores materialised) in float64 on the floats the
// device saw; its [N, T, T] weights P are not compared.
TensorD attention_reference(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                            const AttentionShape& s, bool causal) {
    const dl::Shape shape{static_cast<std::size_t>(s.BH), static_cast<std::size_t>(s.T),
                          static_cast<std::size_t>(s.D)};
    TensorD O, P;
    dl::attention_forward(O, P, to_tensor(q, shape), to_tensor(k, shape), to_tensor(v, shape), causal);
    return O;
}

// One run of `fn` on fresh inputs uniform in [-amplitude, amplitude), compared with the reference.
void check_one(Checker& checker, const std::string& what, AttentionFn fn, const AttentionShape& s, bool causal,
               float amplitude) {
    const std::size_t n = static_cast<std::size_t>(s.BH) * s.T * s.D;
    const std::vector<float> q = checker.random(n, -amplitude, amplitude);
    const std::vector<float> k = checker.random(n, -amplitude, amplitude);
    const std::vector<float> v = checker.random(n, -amplitude, amplitude);
    DeviceBuffer<float> Q(q), K(k), V(v), O(n);
    O.poison();
    fn(O.data(), Q.data(), K.data(), V.data(), s.BH, s.T, s.D, causal, nullptr);
    DL_CUDA_CHECK(cudaDeviceSynchronize());
    checker.compare(what, O.download(), attention_reference(q, k, v, s, causal).span(),
                    fp32_tol(static_cast<std::size_t>(s.T) + s.D));
}

}  // namespace

void check_attention(Checker& checker) {
    // --small: compute-sanitizer is watching, tiny shapes only (T ≤ 70, BH ≤ 2); they still cover
    // T = 1, a partial tile, and more than one query tile (64) and key tile (32).
    const std::vector<AttentionShape> shapes =
        checker.options().small ? std::vector<AttentionShape>{{1, 1, 64}, {2, 17, 32}, {2, 70, 64}, {1, 33, 128}}
                                : std::vector<AttentionShape>{{1, 1, 64},    {2, 17, 32},  {3, 65, 64},
                                                              {2, 100, 128}, {4, 257, 64}, {1, 1000, 64}};

    for (const AttentionVariant& variant : attention_variants) {
        for (const bool causal : {false, true}) {
            for (const AttentionShape& s : shapes) {
                const std::string what =
                    std::string("attention/") + variant.name + (causal ? " causal " : " ") + shape_name(s);
                check_one(checker, what, variant.fn, s, causal, 1.0f);
            }
            // Inputs in [-4, 4): scores have an rms of about 5 and tails past ±20, so each row's
            // softmax is dominated by a few keys and the running maximum jumps between key tiles:
            // a wrong rescaling exp(m_old − m_new) is far off. A score's rounding error grows with
            // its size, but stays far inside the same bound (O's error is a few ε on random data).
            const AttentionShape peaky =
                checker.options().small ? AttentionShape{2, 70, 64} : AttentionShape{2, 300, 64};
            const std::string what = std::string("attention/") + variant.name + (causal ? " causal " : " ") +
                                     shape_name(peaky) + " in [-4,4)";
            check_one(checker, what, variant.fn, peaky, causal, 4.0f);
        }
    }

    // The naive version takes any head size; flash takes 32, 64 or 128 and must refuse the others
    // with a dl::Error (not launch a kernel that reads past its rows).
    check_one(checker, "attention/naive 2x33x48", &attention_naive, {2, 33, 48}, true, 1.0f);
    {
        const AttentionShape s{1, 16, 48};
        const std::size_t n = static_cast<std::size_t>(s.BH) * s.T * s.D;
        DeviceBuffer<float> Q(checker.random(n)), K(checker.random(n)), V(checker.random(n)), O(n);
        const std::string what = "attention/flash rejects D = 48";
        try {
            attention_flash(O.data(), Q.data(), K.data(), V.data(), s.BH, s.T, s.D, false, nullptr);
            checker.fail(what, "attention_flash ran with D = 48 instead of throwing dl::Error");
        } catch (const dl::Error& e) {
            checker.pass(what + " (" + e.what() + ")");
        }
    }
}

}  // namespace dl::cuda::check
