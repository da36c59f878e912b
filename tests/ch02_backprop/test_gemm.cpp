// Chapter 2's kernel: every GEMM variant against a product computed here in higher precision
// (never against gemm_naive, which is itself an exercise).
#include "dl/ops/gemm.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/threads.hpp"

#include <catch2/catch.hpp>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace dl;

namespace {

// One call: C[M, N] = alpha · op(A) · op(B) + beta · C. pad is how much each leading dimension
// exceeds the minimum; beta = 0 means C starts as NaN (BLAS: C is then not read).
template <class T>
struct Case {
    std::size_t M, N, K;
    Trans ta, tb;
    T alpha, beta;
    std::size_t pad;
};

const char* str(Trans t) {
    return t == Trans::yes ? "T" : "N";
}

template <class T>
std::string describe(const char* variant, const Case<T>& c) {
    std::ostringstream s;
    s << "gemm_" << variant << " " << c.M << "x" << c.N << "x" << c.K << " (MxNxK), op(A)=" << str(c.ta)
      << " op(B)=" << str(c.tb) << ", alpha=" << c.alpha << " beta=" << c.beta << ", leading dimensions +" << c.pad;
    return s.str();
}

// A stored matrix of rows × cols with leading dimension cols + pad, with guard memory before its
// first and after its last element. The padding and the guards hold `poison`: a NaN in A or B
// (reading it, one row or one element past an edge, spoils a result and fails this kernel's test),
// a finite sentinel in C (it must stay unchanged: a write outside C is reported as one). While the
// kernel runs the guards are armed: under AddressSanitizer (./dlfs test ch02 --asan) they are
// poisoned, so even a read whose value is never used stops this test, with the kernel's line.
template <class T>
struct Stored {
    std::size_t rows, cols, ld, guard;
    TensorT<T> data;   // guard, then rows × ld, then guard
    Stored(std::size_t r, std::size_t c, std::size_t pad, std::uint64_t seed, T poison)
        : rows(r),
          cols(c),
          ld(c + pad),
          guard(2 * (c + pad) + 64),
          data(testing::random_tensor<T>({r * (c + pad) + 2 * guard}, seed)) {
        for (std::size_t i = 0; i < guard; ++i) data[i] = data[data.size() - 1 - i] = poison;
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = cols; j < ld; ++j) at(i, j) = poison;
    }
    void arm() const { guards(true); }
    void disarm() const { guards(false); }
    T* ptr() { return data.data() + guard; }
    const T* ptr() const { return data.data() + guard; }
    T& at(std::size_t i, std::size_t j) { return data[guard + i * ld + j]; }
    T at(std::size_t i, std::size_t j) const { return data[guard + i * ld + j]; }
    void guards(bool poisoned) const {
#if defined(__SANITIZE_ADDRESS__)
        const std::size_t bytes = guard * sizeof(T);
        if (poisoned) {
            ASAN_POISON_MEMORY_REGION(data.data(), bytes);
            ASAN_POISON_MEMORY_REGION(data.data() + data.size() - guard, bytes);
        } else {
            ASAN_UNPOISON_MEMORY_REGION(data.data(), bytes);
            ASAN_UNPOISON_MEMORY_REGION(data.data() + data.size() - guard, bytes);
        }
#else
        (void)poisoned;
#endif
    }
    // The first guard element that no longer holds `poison` (a write outside the matrix), or -1.
    std::ptrdiff_t spoilt_guard(T poison) const {
        for (std::size_t i = 0; i < guard; ++i) {
            if (!(data[i] == poison)) return static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(guard);
            if (!(data[data.size() - guard + i] == poison)) return static_cast<std::ptrdiff_t>(rows * ld + i);
        }
        return -1;
    }
};

// Runs `fn` on fresh random data and checks every element of C against a product accumulated in
// Acc (double for float, long double for double). A result computed in T in any order of summation
// is within K·ε·Σ_k|a_ik b_kj| of the exact sum (ε: T's machine epsilon); alpha, beta and the
// final addition add a few ε more, so the tolerance is (K + 3)·ε·(|alpha|·Σ|a b| + |beta·C|).
// Returns "" when all is well, else the case, the first bad index and both values.
template <class T, class Acc>
std::string check(const char* variant, GemmFn<T> fn, const Case<T>& c, std::uint64_t seed) {
    const T nan = std::numeric_limits<T>::quiet_NaN(), sentinel = T(-12345.5);
    const bool ta = c.ta == Trans::yes, tb = c.tb == Trans::yes;
    const Stored<T> A(ta ? c.K : c.M, ta ? c.M : c.K, c.pad, seed, nan);
    const Stored<T> B(tb ? c.N : c.K, tb ? c.K : c.N, c.pad, seed + 1, nan);
    Stored<T> C(c.M, c.N, c.pad, seed + 2, sentinel);
    if (c.beta == T(0))
        for (std::size_t i = 0; i < c.M; ++i)
            for (std::size_t j = 0; j < c.N; ++j) C.at(i, j) = nan;
    const Stored<T> C0 = C;

    A.arm(), B.arm(), C.arm();
    fn(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.ptr(), A.ld, B.ptr(), B.ld, c.beta, C.ptr(), C.ld);
    A.disarm(), B.disarm(), C.disarm();

    const Acc eps = Acc(std::numeric_limits<T>::epsilon());
    for (std::size_t i = 0; i < c.M; ++i)
        for (std::size_t j = 0; j < c.N; ++j) {
            Acc sum = 0, magnitude = 0;
            for (std::size_t k = 0; k < c.K; ++k) {
                const Acc p = Acc(ta ? A.at(k, i) : A.at(i, k)) * Acc(tb ? B.at(j, k) : B.at(k, j));
                sum += p;
                magnitude += std::abs(p);
            }
            const Acc c0 = c.beta == T(0) ? Acc(0) : Acc(C0.at(i, j));
            const Acc expected = Acc(c.alpha) * sum + Acc(c.beta) * c0;
            const Acc tolerance =
                Acc(c.K + 3) * eps * (std::abs(Acc(c.alpha)) * magnitude + std::abs(Acc(c.beta) * c0));
            const Acc got = Acc(C.at(i, j));
            if (!(std::abs(got - expected) <= tolerance)) {  // also catches NaN
                std::ostringstream s;
                s << describe(variant, c) << ": C[" << i << ", " << j << "] = " << double(got)
                  << " but the reference is " << double(expected) << " (error " << double(std::abs(got - expected))
                  << ", tolerance " << double(tolerance) << ", relative error "
                  << double(std::abs(got - expected) / std::abs(expected)) << ")";
                return s.str();
            }
        }
    for (std::size_t i = 0; i < c.M; ++i)
        for (std::size_t j = c.N; j < C.ld; ++j)
            if (!(C.at(i, j) == sentinel)) {
                std::ostringstream s;
                s << describe(variant, c) << ": wrote C[" << i << ", " << j << "] = " << double(C.at(i, j))
                  << ", in the padding past column N = " << c.N << " (ldc = " << C.ld << ")";
                return s.str();
            }
    if (const std::ptrdiff_t at = C.spoilt_guard(sentinel); at != -1) {
        std::ostringstream s;
        s << describe(variant, c) << ": wrote outside C, at element " << at << " counted from C's first ("
          << (at < 0 ? "before it" : "past its last row") << ")";
        return s.str();
    }
    return {};
}

template <class T>
GemmFn<T> variant_fn(const std::string& name) {
    for (const auto& v : gemm_variants<T>)
        if (name == v.name) return v.fn;
    FAIL("no gemm variant named " << name);
    return nullptr;
}

// Sets the OpenMP thread count for one scope and restores it (also when a REQUIRE throws).
using testing::Threads;

constexpr Trans no = Trans::no, yes = Trans::yes;

// Shapes (M, N, K): ones, primes, tall and skinny, long K, and sizes past a typical cache block in
// one dimension only (M > 512 rows, N > 1024 columns, K > 1024), two past a block in two
// dimensions, and 263 x 257 x 251 (primes, 17 million multiply-adds): big enough for gemm_blocked
// to split C between two threads (it needs 2^23 per thread).
const std::vector<std::array<std::size_t, 3>> awkward_shapes = {
    {1, 1, 1},    {7, 13, 5},   {127, 129, 131}, {1000, 3, 7},   {3, 1000, 5},  {5, 7, 1000},
    {523, 9, 11}, {5, 1100, 7}, {9, 7, 1100},    {200, 520, 37}, {64, 80, 600}, {263, 257, 251},
};

// Every transpose case with three (alpha, beta, padding) settings: beta = 0 on a NaN-filled C;
// neither 0 nor 1; and beta = 1 (accumulating, as parameter gradients do).
template <class T>
void check_awkward_shapes(const std::string& name, std::uint64_t seed) {
    const GemmFn<T> fn = variant_fn<T>(name);
    const struct {
        T alpha, beta;
        std::size_t pad;
    } settings[] = {{T(1), T(0), 0}, {T(1.5), T(-0.5), 3}, {T(-0.5), T(1), 5}};
    for (const auto& [M, N, K] : awkward_shapes)
        for (const Trans ta : {no, yes})
            for (const Trans tb : {no, yes})
                for (const auto& s : settings) {
                    const std::string error =
                        check<T, double>(name.c_str(), fn, {M, N, K, ta, tb, s.alpha, s.beta, s.pad}, ++seed);
                    INFO(error);
                    REQUIRE(error.empty());
                }
}

// In double, against a long double reference: chapter 2's gradient checks multiply in double.
void check_double(const std::string& name) {
    const GemmFn<double> fn = variant_fn<double>(name);
    std::uint64_t seed = 500;
    for (const auto& [M, N, K] :
         std::vector<std::array<std::size_t, 3>>{{1, 1, 1}, {7, 13, 5}, {127, 129, 131}, {3, 1000, 5}, {200, 520, 37}})
        for (const Trans ta : {no, yes})
            for (const Trans tb : {no, yes})
                for (const auto& [alpha, beta, pad] :
                     {std::tuple{1.0, 0.0, std::size_t{0}}, std::tuple{1.5, -0.5, std::size_t{3}}}) {
                    const std::string error =
                        check<double, long double>(name.c_str(), fn, {M, N, K, ta, tb, alpha, beta, pad}, ++seed);
                    INFO(error);
                    REQUIRE(error.empty());
                }
}

// alpha = 0 (or K = 0): C = beta · C and A, B are not read, so NaN in them must not reach C.
void check_alpha_zero(const std::string& name) {
    const GemmFn<float> fn = variant_fn<float>(name);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> A(7 * 5, nan), B(5 * 13, nan);
    for (const std::size_t K : {5u, 0u})
        for (const float beta : {-0.5f, 0.0f}) {
            CAPTURE(K, beta);
            Tensor C = testing::random_tensor<float>({7, 13}, 42);
            const Tensor C0 = C;
            if (beta == 0.0f) C.fill(nan);
            fn(no, no, 7, 13, K, K == 0 ? 1.0f : 0.0f, A.data(), 5, B.data(), 13, beta, C.data(), 13);
            for (std::size_t i = 0; i < C.size(); ++i) {
                CAPTURE(i, C[i], C0[i]);
                REQUIRE(C[i] == beta * C0[i]);  // one rounding, the same in any variant
            }
        }
}

// A leading dimension shorter than its row would read the wrong elements: it must throw dl::Error.
void check_rejects_short_leading_dimensions(const std::string& name) {
    const GemmFn<float> fn = variant_fn<float>(name);
    std::vector<float> A(64), B(64), C(64);
    const auto call = [&](Trans ta, Trans tb, std::size_t lda, std::size_t ldb, std::size_t ldc) {
        return testing::throws_error(
            [&] { fn(ta, tb, 3, 4, 5, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), ldc); });
    };
    // M = 3, N = 4, K = 5: A is [3, 5] (or [5, 3] transposed), B [5, 4] (or [4, 5]), C [3, 4].
    REQUIRE(call(no, no, 4, 4, 4));   // lda < K
    REQUIRE(call(yes, no, 2, 4, 4));  // lda < M
    REQUIRE(call(no, no, 5, 3, 4));   // ldb < N
    REQUIRE(call(no, yes, 5, 4, 4));  // ldb < K
    REQUIRE(call(no, no, 5, 4, 3));   // ldc < N
    REQUIRE_FALSE(call(yes, yes, 3, 5, 4));
}

}  // namespace

TEST_CASE("ch02.gemm_naive matches a double-precision reference on awkward shapes", "[ch02][exercise]") {
    check_awkward_shapes<float>("naive", 1000);
}

TEST_CASE("ch02.gemm_reordered matches a double-precision reference on awkward shapes", "[ch02][exercise]") {
    check_awkward_shapes<float>("reordered", 2000);
}

TEST_CASE("ch02.gemm_blocked matches a double-precision reference on awkward shapes, on 1 and 2 threads",
          "[ch02][exercise]") {
    for (const int threads : {1, 2}) {
        CAPTURE(threads);
        const Threads scope(threads);
        check_awkward_shapes<float>("blocked", 3000 + 100000 * static_cast<std::uint64_t>(threads));
    }
}

TEST_CASE("ch02.gemm_naive is accurate in double precision", "[ch02][exercise]") {
    check_double("naive");
}

TEST_CASE("ch02.gemm_reordered is accurate in double precision", "[ch02][exercise]") {
    check_double("reordered");
}

TEST_CASE("ch02.gemm_blocked is accurate in double precision, on 1 and 2 threads", "[ch02][exercise]") {
    for (const int threads : {1, 2}) {
        CAPTURE(threads);
        const Threads scope(threads);
        check_double("blocked");
    }
}

TEST_CASE("ch02.gemm_naive reads neither A nor B when alpha or K is 0", "[ch02][exercise]") {
    check_alpha_zero("naive");
}

TEST_CASE("ch02.gemm_reordered reads neither A nor B when alpha or K is 0", "[ch02][exercise]") {
    check_alpha_zero("reordered");
}

TEST_CASE("ch02.gemm_blocked reads neither A nor B when alpha or K is 0", "[ch02][exercise]") {
    check_alpha_zero("blocked");
}

TEST_CASE("ch02.gemm_naive rejects a leading dimension shorter than a row", "[ch02][exercise]") {
    check_rejects_short_leading_dimensions("naive");
}

TEST_CASE("ch02.gemm_reordered rejects a leading dimension shorter than a row", "[ch02][exercise]") {
    check_rejects_short_leading_dimensions("reordered");
}

TEST_CASE("ch02.gemm_blocked rejects a leading dimension shorter than a row", "[ch02][exercise]") {
    check_rejects_short_leading_dimensions("blocked");
}
