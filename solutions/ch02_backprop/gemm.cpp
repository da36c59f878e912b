#include "dl/ops/gemm.hpp"

#include "dl/exercise.hpp"
#include "dl/tensor.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>

namespace dl {

namespace {

// op(X)(r, c) for X stored row-major with leading dimension ld: X[r, c], or X[c, r] when transposed.
template <class T>
T op_at(const T* X, std::size_t ld, Trans t, std::size_t r, std::size_t c) {
    return t == Trans::no ? X[r * ld + c] : X[c * ld + r];
}

// A leading dimension shorter than the row it holds is the caller's bug: every element would be
// read from the wrong place. BLAS rejects it too (its xerbla), so we say which one was wrong.
void check_leading_dimensions(const char* name, Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K,
                              std::size_t lda, std::size_t ldb, std::size_t ldc) {
    const std::size_t a_row = ta == Trans::no ? K : M, b_row = tb == Trans::no ? N : K;
    DL_CHECK(lda >= a_row, name << ": lda = " << lda << " but A's stored rows have " << a_row << " elements");
    DL_CHECK(ldb >= b_row, name << ": ldb = " << ldb << " but B's stored rows have " << b_row << " elements");
    DL_CHECK(ldc >= N, name << ": ldc = " << ldc << " but C's rows have N = " << N << " elements");
}

// C = beta · C, the whole product when alpha = 0 or K = 0. With beta = 0 C is overwritten, never
// read: 0 · NaN would be NaN, and BLAS promises that garbage in C does not leak out.
template <class T>
void scale_c(std::size_t M, std::size_t N, T beta, T* C, std::size_t ldc) {
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
}

}  // namespace

// Rung 1. C[i, j] = alpha · Σ_k op(A)[i, k] · op(B)[k, j] + beta · C[i, j]: a dot product per element.
// The k loop walks down a column of op(B), one cache line per element once B outgrows the cache.
template <class T>
void gemm_naive(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t lda,
                const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
    check_leading_dimensions("gemm_naive", ta, tb, M, N, K, lda, ldb, ldc);
    if (alpha == T(0) || K == 0) return scale_c(M, N, beta, C, ldc);
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
            T sum = 0;
            for (std::size_t k = 0; k < K; ++k) sum += op_at(A, lda, ta, i, k) * op_at(B, ldb, tb, k, j);
            T& c = C[i * ldc + j];
            c = beta == T(0) ? alpha * sum : alpha * sum + beta * c;
        }
}

// Rung 2. The same sums in i-k-j order: row i of C += (alpha · op(A)[i, k]) · row k of op(B).
// The inner loop walks a row of B and a row of C contiguously, so it vectorises and every cache
// line fetched is used whole. (With tb = yes, B's "row" is a column in memory: the strided case
// that packing fixes in gemm_blocked.)
template <class T>
void gemm_reordered(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                    std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
    check_leading_dimensions("gemm_reordered", ta, tb, M, N, K, lda, ldb, ldc);
    scale_c(M, N, beta, C, ldc);  // C = beta · C first; the k loop then only adds to it
    if (alpha == T(0)) return;
    for (std::size_t i = 0; i < M; ++i) {
        T* c = C + i * ldc;
        for (std::size_t k = 0; k < K; ++k) {
            const T a = alpha * op_at(A, lda, ta, i, k);
            if (tb == Trans::no) {
                const T* b = B + k * ldb;
                for (std::size_t j = 0; j < N; ++j) c[j] += a * b[j];
            } else {
                for (std::size_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
            }
        }
    }
}

// ---- Rung 3: gemm_blocked ---------------------------------------------------------------------
//
// Goto's algorithm, as in BLIS. C is computed in tiles of MR × NR held in registers; a tile is a
// sum over k of outer products (MR values of a column of op(A)) ⊗ (NR values of a row of op(B)),
// one FMA per vector of B per row. Everything around that micro-kernel is there to keep it fed:
//   jc: N in blocks of NC,  pc: K in blocks of KC  -> pack op(B)[KC, NC] into panels of NR columns
//   ic: M in blocks of MC                          -> pack op(A)[MC, KC] into panels of MR rows
//   tiles: for each MR panel of A (it stays in L1), for each NR panel of B (they stream from L2)
// Packing copies a block once into the order the micro-kernel reads it, contiguous, with the
// transposes resolved (so one kernel serves all four cases) and zeros past the edges (so the
// kernel always computes a whole tile; the extra rows and columns are not stored).
// Threads: C is cut into one part per thread, whole tiles each, and every thread runs the loops
// above on its own part with its own packed blocks, so no thread waits for another.
namespace {

// The vector width the file is compiled for: 512-bit with AVX-512, 256-bit with AVX/AVX2, else
// 128-bit (SSE2 is in every x86-64; other targets lower the vectors to what they have).
#if defined(__AVX512F__)
constexpr std::size_t vector_bytes = 64, vector_registers = 32;
#elif defined(__AVX__)
constexpr std::size_t vector_bytes = 32, vector_registers = 16;
#else
constexpr std::size_t vector_bytes = 16, vector_registers = 16;
#endif

// The register tile and the cache blocks (measured on a 2-core Xeon with AVX-512: see the lesson).
//   NR: 2 vectors. MR: as many rows as the registers allow, since MR·2 accumulators + 2 vectors of
//   B + 1 broadcast of A must fit: MR = 12 with 32 registers (27 used), 6 with 16 (15 used). A k
//   step then does 2·MR FMAs for 2 loads and MR broadcasts: more than the 8 FMAs that must be in
//   flight to hide their latency (4 cycles × 2 ports), and few enough loads for the load ports.
//   KC: A's micro-panel, MR · KC · sizeof(T) = 24 KiB (AVX-512), stays in L1 (48 KiB) while it
//   meets every panel of B. NC: B's block, KC · NC · sizeof(T) = 1 MiB, stays in L2 (2 MiB).
//   MC: A's block (384 KiB), read from L2 or L3 one micro-panel at a time.
template <class T>
struct Blocking {
    typedef T V __attribute__((vector_size(vector_bytes)));
    static constexpr std::size_t lanes = vector_bytes / sizeof(T), nv = 2, nr = nv * lanes;
    static constexpr std::size_t mr = vector_registers >= 32 ? 12 : 6;
    static constexpr std::size_t kc = 2048 / sizeof(T), nc = 512, mc = 16 * mr;
};

// Unaligned vector load and store; memcpy is how C++ says "reinterpret these bytes" without
// breaking aliasing rules, and compiles to one vmovups.
template <class V, class T>
V load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
}
template <class V, class T>
void store(T* p, const V& v) {
    std::memcpy(p, &v, sizeof(V));
}

std::size_t ceil_div(std::size_t n, std::size_t d) {
    return (n + d - 1) / d;
}

// Splits n into ceil(n / max) equal blocks, each a multiple of `multiple`: K = 784 becomes
// 2 × 392, not 512 + 272, so no block is a short one that costs a whole pass over C.
std::size_t block_size(std::size_t n, std::size_t max, std::size_t multiple) {
    return ceil_div(ceil_div(n, ceil_div(n, max)), multiple) * multiple;
}

// op(A) or op(B) as the packing sees it: `lanes` × k, element (l, k) at p[l·sl + k·sk], where a
// lane is a row of op(A) or a column of op(B). The transposes only swap the two strides.
template <class T>
struct Strided {
    const T* p;
    std::size_t sl, sk;
    Strided at(std::size_t l, std::size_t k) const { return {p + l * sl + k * sk, sl, sk}; }
};

// One k step of one whole panel: its W lanes (stride sl in memory) side by side. The trip count is
// fixed, so the loop unrolls (and is a vector copy when sl = 1).
template <std::size_t W, class T>
void pack_step(T* d, const T* s, std::size_t sl) {
    for (std::size_t l = 0; l < W; ++l) d[l] = s[l * sl];
}

// One stage of an in-register transpose: rows a = r[i] and b = r[i + h] swap the h × h blocks
// that sit off the diagonal of their 2h × 2h block. After the stages h = S/2, …, 2, 1 the S rows
// hold the transpose. The lane indices are compile-time constants, so each line is one shuffle.
template <std::size_t h, class VS, std::size_t... P>
void transpose_stage(VS& a, VS& b, std::index_sequence<P...>) {
    constexpr std::size_t S = sizeof...(P);
    const VS lo = __builtin_shufflevector(a, b, ((P & h) ? S + P - h : P)...);
    const VS hi = __builtin_shufflevector(a, b, ((P & h) ? S + P : P + h)...);
    a = lo;
    b = hi;
}
template <std::size_t S, std::size_t h, class VS>
void transpose_stages(VS* r) {
    for (std::size_t i = 0; i < S; ++i)
        if ((i & h) == 0) transpose_stage<h>(r[i], r[i + h], std::make_index_sequence<S>{});
    if constexpr (h > 1) transpose_stages<S, h / 2>(r);
}

// d[k·ld_d + l] = s[l·sl + k] for an S × S block: S vector loads, S·log2(S) shuffles, S stores,
// where element by element it would be S² loads that each start a new row.
template <std::size_t S, class T>
void transpose_block(T* d, std::size_t ld_d, const T* s, std::size_t sl) {
    typedef T VS __attribute__((vector_size(S * sizeof(T))));
    VS r[S];
    for (std::size_t l = 0; l < S; ++l) r[l] = load<VS>(s + l * sl);
    if constexpr (S > 1) transpose_stages<S, S / 2>(r);
    for (std::size_t k = 0; k < S; ++k) store(d + k * ld_d, r[k]);
}

// The last panel when W does not divide n: zeros, then the `width` lanes there are, each read
// along k (contiguous when sk = 1).
template <std::size_t W, class T>
void pack_edge(T* d, Strided<T> x, std::size_t width, std::size_t kc) {
    std::fill(d, d + kc * W, T(0));
    for (std::size_t l = 0; l < width; ++l)
        for (std::size_t k = 0; k < kc; ++k) d[k * W + l] = x.p[l * x.sl + k * x.sk];
}

// Packs n lanes × kc of x into panels of W lanes: panel p holds, for each k, the W values of lanes
// pW … pW+W-1 side by side (zeros past n), panels one after another. The loop order follows
// memory. When the lanes are contiguous (sl = 1) each source row is read once, across all panels.
// Otherwise k is contiguous (sk = 1) and a panel is a transpose: S × S blocks are transposed in
// registers, S the largest power of 2 dividing both W and a vector; scalar copies do the k tail.
template <std::size_t W, class T>
void pack(T* dst, Strided<T> x, std::size_t n, std::size_t kc) {
    const std::size_t whole = n / W;
    if (x.sl == 1) {
        for (std::size_t k = 0; k < kc; ++k)
            for (std::size_t panel = 0; panel < whole; ++panel)
                pack_step<W>(dst + (panel * kc + k) * W, x.at(panel * W, k).p, 1);
    } else {
        constexpr std::size_t S = std::min(std::size_t{1} << std::countr_zero(W), vector_bytes / sizeof(T));
        for (std::size_t panel = 0; panel < whole; ++panel) {
            T* d = dst + panel * kc * W;
            std::size_t k = 0;
            for (; k + S <= kc; k += S)
                for (std::size_t l = 0; l < W; l += S)
                    transpose_block<S>(d + k * W + l, W, x.at(panel * W + l, k).p, x.sl);
            for (; k < kc; ++k) pack_step<W>(d + k * W, x.at(panel * W, k).p, x.sl);
        }
    }
    if (n % W != 0) pack_edge<W>(dst + whole * kc * W, x.at(whole * W, 0), n % W, kc);
}

// The micro-kernel: the MR × NR tile acc = Σ_k a[k] ⊗ b[k] over one packed panel of A (MR values
// per k) and one of B (NR per k), then C_tile = alpha · acc + beta · C_tile. The fixed-size loops
// unroll completely, so acc lives in MR · NV vector registers and `a[i] * b[v]` is one FMA with a
// broadcast of a[i]. Edge tiles (rows < MR or cols < NR) go through a small buffer.
template <class T>
void micro_kernel(std::size_t kc, const T* a, const T* b, T alpha, T beta, T* c, std::size_t ldc, std::size_t rows,
                  std::size_t cols) {
    using Bk = Blocking<T>;
    using V = typename Bk::V;
    // C's tile is used only after the k loop: start fetching it into L2 now, so it arrives while the
    // FMAs run. (Not into L1: when a row of C is a multiple of 4 KiB, as at N = 1024, all of the
    // tile's rows map to the same few L1 sets and would be evicted again before they are used.)
    for (std::size_t i = 0; i < rows; ++i) {
        __builtin_prefetch(c + i * ldc, 0, 2);
        __builtin_prefetch(c + i * ldc + cols - 1, 0, 2);
    }
    V acc[Bk::mr][Bk::nv] = {};
    for (std::size_t k = 0; k < kc; ++k, a += Bk::mr, b += Bk::nr) {
        V bv[Bk::nv];
#pragma GCC unroll 4
        for (std::size_t v = 0; v < Bk::nv; ++v) bv[v] = load<V>(b + v * Bk::lanes);
#pragma GCC unroll 16
        for (std::size_t i = 0; i < Bk::mr; ++i)
#pragma GCC unroll 4
            for (std::size_t v = 0; v < Bk::nv; ++v) acc[i][v] += a[i] * bv[v];
    }
    if (rows == Bk::mr && cols == Bk::nr) {
#pragma GCC unroll 16
        for (std::size_t i = 0; i < Bk::mr; ++i)
#pragma GCC unroll 4
            for (std::size_t v = 0; v < Bk::nv; ++v) {
                T* ci = c + i * ldc + v * Bk::lanes;
                store(ci, beta == T(0) ? alpha * acc[i][v] : alpha * acc[i][v] + beta * load<V>(ci));
            }
        return;
    }
    alignas(vector_bytes) T tile[Bk::mr * Bk::nr];
    for (std::size_t i = 0; i < Bk::mr; ++i)
        for (std::size_t v = 0; v < Bk::nv; ++v) store(tile + i * Bk::nr + v * Bk::lanes, acc[i][v]);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
            T& cij = c[i * ldc + j];
            cij = beta == T(0) ? alpha * tile[i * Bk::nr + j] : alpha * tile[i * Bk::nr + j] + beta * cij;
        }
}

// C[mc, nc] (+)= alpha · (packed A block) · (packed B block): every tile, row panel by row panel,
// so one panel of A is reused from L1 across all the panels of B.
template <class T>
void macro_kernel(const T* a_pack, const T* b_pack, std::size_t mc, std::size_t nc, std::size_t kc, T alpha, T beta,
                  T* C, std::size_t ldc) {
    using Bk = Blocking<T>;
    for (std::size_t i = 0; i < mc; i += Bk::mr)
        for (std::size_t j = 0; j < nc; j += Bk::nr)
            micro_kernel(kc, a_pack + i * kc, b_pack + j * kc, alpha, beta, C + i * ldc + j, ldc,
                         std::min(Bk::mr, mc - i), std::min(Bk::nr, nc - j));
}

// Aligned scratch for the packed blocks, not zeroed (packing writes every element it uses).
template <class T>
class Scratch {
public:
    explicit Scratch(std::size_t n) : p_(AlignedAllocator<T>().allocate(n)) {}
    T* get() const { return p_.get(); }

private:
    struct Free {
        void operator()(T* p) const { AlignedAllocator<T>().deallocate(p, 0); }
    };
    std::unique_ptr<T[], Free> p_;
};

// The loops of Goto's algorithm, on one thread: C[M, N] = alpha · op(A) · op(B) + beta · C.
template <class T>
void gemm_loops(std::size_t M, std::size_t N, std::size_t K, T alpha, Strided<T> a, Strided<T> b, T beta, T* C,
                std::size_t ldc) {
    using Bk = Blocking<T>;
    const std::size_t MC = block_size(M, Bk::mc, Bk::mr), NC = block_size(N, Bk::nc, Bk::nr);
    const std::size_t KC = block_size(K, Bk::kc, 1);
    const Scratch<T> a_pack(MC * KC), b_pack(NC * KC);
    for (std::size_t jc = 0; jc < N; jc += NC) {
        const std::size_t nc = std::min(NC, N - jc);
        for (std::size_t pc = 0; pc < K; pc += KC) {
            const std::size_t kc = std::min(KC, K - pc);
            const T beta_block = pc == 0 ? beta : T(1);  // beta applies once; later K blocks add
            pack<Bk::nr>(b_pack.get(), b.at(jc, pc), nc, kc);
            for (std::size_t ic = 0; ic < M; ic += MC) {
                const std::size_t mc = std::min(MC, M - ic);
                pack<Bk::mr>(a_pack.get(), a.at(ic, pc), mc, kc);
                macro_kernel(a_pack.get(), b_pack.get(), mc, nc, kc, alpha, beta_block, C + ic * ldc + jc, ldc);
            }
        }
    }
}

// A parallel region waits for its slowest thread. On a quiet machine waking a thread costs a few
// microseconds, but when another program holds a core the descheduled thread comes back only at
// the next scheduler tick, milliseconds later: we measured the MLP's training (products of 3.2
// million multiply-adds, ~25 µs each) fall from 110,000 to 1,400 images/s on two threads. So a
// product goes parallel only with at least 2^23 multiply-adds (~60 µs) per thread; the
// network's products then run on one thread, and the large ones (N ≥ 256) on all.
constexpr std::size_t min_work_per_thread = std::size_t{1} << 23;

}  // namespace

template <class T>
void gemm_blocked(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t lda,
                  const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
    check_leading_dimensions("gemm_blocked", ta, tb, M, N, K, lda, ldb, ldc);
    if (M == 0 || N == 0) return;
    if (alpha == T(0) || K == 0) return scale_c(M, N, beta, C, ldc);
    // op(A)(i, k) = A[i·lda + k] or A[k·lda + i]; op(B)(k, j) = B[k·ldb + j] or B[j·ldb + k].
    const Strided<T> a = ta == Trans::no ? Strided<T>{A, lda, 1} : Strided<T>{A, 1, lda};
    const Strided<T> b = tb == Trans::no ? Strided<T>{B, 1, ldb} : Strided<T>{B, ldb, 1};
    const auto threads = static_cast<int>(
        std::clamp<std::size_t>(M * N * K / min_work_per_thread, 1, static_cast<std::size_t>(omp_get_max_threads())));
    if (threads == 1) return gemm_loops(M, N, K, alpha, a, b, beta, C, ldc);

    // Cut C along the dimension with more tiles, in whole tiles. Each thread packs its own blocks:
    // a block packed by one core and read by another would cross between their caches.
    using Bk = Blocking<T>;
    const bool split_n = ceil_div(N, Bk::nr) >= ceil_div(M, Bk::mr);
    const std::size_t unit = split_n ? Bk::nr : Bk::mr, units = ceil_div(split_n ? N : M, unit);
    // An exception must not leave a parallel region (that is std::terminate): a thread whose packing
    // buffers cannot be allocated hands its std::bad_alloc out, and it is thrown after the region.
    std::exception_ptr failure;
#pragma omp parallel num_threads(threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num()),
                   nt = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t begin = units * t / nt * unit, end = std::min(units * (t + 1) / nt * unit, split_n ? N : M);
        try {
            if (begin < end) {
                if (split_n)
                    gemm_loops(M, end - begin, K, alpha, a, b.at(begin, 0), beta, C + begin, ldc);
                else
                    gemm_loops(end - begin, N, K, alpha, a.at(begin, 0), b, beta, C + begin * ldc, ldc);
            }
        } catch (...) {
#pragma omp critical(dl_gemm_failure)
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);
}

template void gemm_naive(Trans, Trans, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                         const float*, std::size_t, float, float*, std::size_t);
template void gemm_naive(Trans, Trans, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                         const double*, std::size_t, double, double*, std::size_t);
template void gemm_reordered(Trans, Trans, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                             const float*, std::size_t, float, float*, std::size_t);
template void gemm_reordered(Trans, Trans, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                             const double*, std::size_t, double, double*, std::size_t);
template void gemm_blocked(Trans, Trans, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                           const float*, std::size_t, float, float*, std::size_t);
template void gemm_blocked(Trans, Trans, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                           const double*, std::size_t, double, double*, std::size_t);

}  // namespace dl
