// The tape's gradients against the hand-written backward passes of chapters 2, 5, 6 and 7, on the
// same numbers, in double: they must agree to 1e-12 relative (the same kernels, summed in the same
// or nearly the same order; a wrong VJP or a missed accumulation is off by far more). Each test is
// named after the last exercise, in the lesson's order, that its model needs.
#include "dl/nn/tape_model.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/ops/activations.hpp"
#include "dl/ops/dense.hpp"
#include "dl/ops/pooling.hpp"
#include "dl/ops/rnn.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/tape_check.hpp"

#include <catch2/catch.hpp>

using namespace dl;
using testing::random_tensor;
using testing::relative_difference;
using testing::VarD;

namespace {

constexpr double same = 1e-12;

}  // namespace

TEST_CASE("ch08.reverse_sweep through chapter 2's MLP gives the hand-written gradients", "[ch08][exercise]") {
    const std::size_t N = 8, in = 12, hidden = 7, classes = 4;
    const TensorD X = random_tensor<double>({N, in}, 1), W1 = random_tensor<double>({hidden, in}, 2),
                  b1 = random_tensor<double>({hidden}, 3), W2 = random_tensor<double>({classes, hidden}, 4),
                  b2 = random_tensor<double>({classes}, 5);
    const std::vector<int> labels = {0, 3, 1, 1, 2, 0, 3, 2};
    // By hand (chapter 2).
    TensorD H, A, Z, P, dZ, dA, dH, dX, dW1({hidden, in}), db1({hidden}), dW2({classes, hidden}), db2({classes});
    dense_forward(H, X, W1, b1);
    relu_forward(A, H);
    dense_forward(Z, A, W2, b2);
    const double loss = softmax_cross_entropy_forward(P, Z, std::span<const int>(labels));
    softmax_cross_entropy_backward(dZ, P, std::span<const int>(labels));
    dense_backward(dA, dW2, db2, dZ, A, W2);
    relu_backward(dH, dA, H);
    dense_backward(dX, dW1, db1, dH, X, W1);
    // By the tape.
    const VarD x(X, true);
    const std::vector<VarD> params = {VarD(W1, true), VarD(b1, true), VarD(W2, true), VarD(b2, true)};
    const VarD L = softmax_cross_entropy(nn::mlp_through_tape(x, std::span<const VarD>(params), nn::Activation::relu),
                                         std::span<const int>(labels));
    backward(L);
    CHECK(relative_difference(L.value(), TensorD({1}, loss)) < same);
    CHECK(relative_difference(x.grad(), dX) < same);
    CHECK(relative_difference(params[0].grad(), dW1) < same);
    CHECK(relative_difference(params[1].grad(), db1) < same);
    CHECK(relative_difference(params[2].grad(), dW2) < same);
    CHECK(relative_difference(params[3].grad(), db2) < same);
}

TEST_CASE("ch08.maxpool2d and conv2d through the tape give chapter 5's CNN the hand-written gradients", "[ch08][exercise]") {
    const std::size_t N = 3, C = 2, S = 9, OC = 4, classes = 5;
    const Conv2dParams p{.stride = 1, .padding = 1};
    const TensorD X = random_tensor<double>({N, C, S, S}, 10), W = random_tensor<double>({OC, C, 3, 3}, 11),
                  b = random_tensor<double>({OC}, 12), Wd = random_tensor<double>({classes, OC * 4 * 4}, 13),
                  bd = random_tensor<double>({classes}, 14);
    const std::vector<int> labels = {4, 0, 2};
    // By hand: conv → ReLU → 2×2 max pool → flatten → dense → softmax cross-entropy.
    TensorD Y, A, M, Z, P, dZ, dF, dM, dA, dY, dX, dW({OC, C, 3, 3}), db({OC}), dWd({classes, OC * 16}), dbd({classes});
    std::vector<std::size_t> argmax;
    conv2d_forward_im2col(Y, X, W, b, p);
    relu_forward(A, Y);
    maxpool2d_forward(M, argmax, A, 2, 2);
    TensorD F = M;
    F.reshape({N, OC * 16});
    dense_forward(Z, F, Wd, bd);
    softmax_cross_entropy_forward(P, Z, std::span<const int>(labels));
    softmax_cross_entropy_backward(dZ, P, std::span<const int>(labels));
    dense_backward(dF, dWd, dbd, dZ, F, Wd);
    dF.reshape(M.shape());
    maxpool2d_backward(dA, dF, argmax, A.shape());
    relu_backward(dY, dA, Y);
    conv2d_backward_im2col(dX, dW, db, dY, X, W, p);
    // By the tape.
    const VarD x(X, true), w(W, true), bias(b, true), wd(Wd, true), biasd(bd, true);
    const VarD pooled = maxpool2d(relu(conv2d(x, w, bias, p)), 2, 2);
    const VarD L = softmax_cross_entropy(linear(reshape(pooled, {N, OC * 16}), wd, biasd), std::span<const int>(labels));
    backward(L);
    CHECK(relative_difference(x.grad(), dX) < same);
    CHECK(relative_difference(w.grad(), dW) < same);
    CHECK(relative_difference(bias.grad(), db) < same);
    CHECK(relative_difference(wd.grad(), dWd) < same);
    CHECK(relative_difference(biasd.grad(), dbd) < same);
}

TEST_CASE("ch08.reverse_sweep through chapter 6's LSTM cell, made of small ops, gives the hand-written gradients",
          "[ch08][exercise]") {
    const std::size_t B = 3, D = 5, H = 4;
    const TensorD x = random_tensor<double>({B, D}, 20), h_prev = random_tensor<double>({B, H}, 21),
                  c_prev = random_tensor<double>({B, H}, 22), W = random_tensor<double>({4 * H, D + H}, 23),
                  b = random_tensor<double>({4 * H}, 24), dh = random_tensor<double>({B, H}, 25),
                  dc = random_tensor<double>({B, H}, 26);
    // By hand (chapter 6), from upstream gradients dh and dc.
    StepCache<double> s;
    lstm_cell_forward(s, x, h_prev, c_prev, W, b);
    TensorD dx, dh_prev, dc_prev, dW({4 * H, D + H}), db({4 * H});
    lstm_cell_backward(dx, dh_prev, dc_prev, dW, db, dh, dc, s, c_prev, W);
    // By the tape: the gates are columns of one product, then pointwise ops.
    const VarD vx(x, true), vh(h_prev, true), vc(c_prev, true), vW(W, true), vb(b, true);
    const VarD a = linear(concat_columns(vx, vh), vW, vb);
    const VarD i = sigmoid(columns(a, 0, H)), f = sigmoid(columns(a, H, H)), g = tanh(columns(a, 2 * H, H)),
               o = sigmoid(columns(a, 3 * H, H));
    const VarD c = add(mul(f, vc), mul(i, g));
    const VarD h = mul(o, tanh(c));
    CHECK(relative_difference(h.value(), s.h) < same);
    backward(add(sum(mul(h, VarD(dh))), sum(mul(c, VarD(dc)))));   // seeds dh and dc
    CHECK(relative_difference(vx.grad(), dx) < same);
    CHECK(relative_difference(vh.grad(), dh_prev) < same);
    CHECK(relative_difference(vc.grad(), dc_prev) < same);
    CHECK(relative_difference(vW.grad(), dW) < same);
    CHECK(relative_difference(vb.grad(), db) < same);
}

TEST_CASE("ch08.attention through the tape gives chapter 7's Transformer block the hand-written gradients",
          "[ch08][exercise]") {
    const std::size_t B = 2, T = 5, C = 8, heads = 2;
    Rng rng(7);
    nn::TransformerBlockT<double> block(C, heads, 4, 1, rng);
    // Non-trivial layer norms (the block starts with γ = 1, β = 0).
    for (nn::ParameterT<double>* p : block.parameters())
        if (p->value.rank() == 1) p->value = random_tensor<double>(p->value.shape(), 30 + p->value.size(), 0.5);
    const TensorD x0 = random_tensor<double>({B * T, C}, 31), dy = random_tensor<double>({B * T, C}, 32);
    const std::vector<VarD> params = nn::borrow_parameters(block.parameters());
    const VarD x(x0, true);
    const VarD y = nn::transformer_block_through_tape(x, std::span<const VarD>(params), B, T, heads);
    backward(y, dy);   // into the block's own grad tensors (borrowed)
    std::vector<TensorD> tape_grads;
    for (nn::ParameterT<double>* p : block.parameters()) {
        tape_grads.push_back(p->grad);
        p->zero_grad();
    }
    TensorD by_hand = x0;
    block.forward(by_hand, B, T);
    CHECK(relative_difference(y.value(), by_hand) < same);
    TensorD dx = dy;
    block.backward(dx);
    CHECK(relative_difference(x.grad(), dx) < same);
    const auto hand = block.parameters();
    for (std::size_t k = 0; k < hand.size(); ++k) {
        CAPTURE(k, hand[k]->name);
        CHECK(relative_difference(tape_grads[k], hand[k]->grad) < same);
    }
}
