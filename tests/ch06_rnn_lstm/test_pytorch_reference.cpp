// The unrolled RNN and LSTM against torch.nn.RNN and torch.nn.LSTM in float64 (tests/fixtures/
// ch06_*.txt, made by scripts/make-fixtures): the outputs of every step from a given state, and the
// gradients of the inputs, the starting state and the weights. (require_close REQUIREs every element
// within the stated relative and absolute tolerances, and prints the first that is not.)
#include "dl/ops/rnn.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

using namespace dl;
using testing::require_close;

TEST_CASE("ch06.rnn_sequence_forward agrees with torch.nn.RNN over 5 steps", "[ch06][exercise]") {
    const testing::Fixture f("ch06_rnn.txt");
    TensorD Y;
    std::vector<StepCache<double>> steps;
    rnn_sequence_forward(Y, steps, f["X"], f["h0"], f["W"], f["b"]);
    require_close(Y, f["Y"], 1e-12, 1e-13, "Y");
}

TEST_CASE("ch06.rnn_sequence_backward agrees with torch.nn.RNN over 5 steps", "[ch06][exercise]") {
    const testing::Fixture f("ch06_rnn.txt");
    TensorD Y, dX, dh0, dW(f["W"].shape()), db(f["b"].shape());
    std::vector<StepCache<double>> steps;
    rnn_sequence_forward(Y, steps, f["X"], f["h0"], f["W"], f["b"]);
    rnn_sequence_backward(dX, dh0, dW, db, f["dY"], steps, f["W"]);
    require_close(dX, f["dX"], 1e-11, 1e-13, "dX");
    require_close(dh0, f["dh0"], 1e-11, 1e-13, "dh0");
    require_close(dW, f["dW"], 1e-11, 1e-13, "dW");
    require_close(db, f["db"], 1e-11, 1e-13, "db");
}

TEST_CASE("ch06.lstm_sequence_forward agrees with torch.nn.LSTM over 5 steps", "[ch06][exercise]") {
    const testing::Fixture f("ch06_lstm.txt");
    TensorD Y;
    std::vector<StepCache<double>> steps;
    lstm_sequence_forward(Y, steps, f["X"], f["h0"], f["c0"], f["W"], f["b"]);
    require_close(Y, f["Y"], 1e-12, 1e-13, "Y");
}

TEST_CASE("ch06.lstm_sequence_backward agrees with torch.nn.LSTM over 5 steps", "[ch06][exercise]") {
    const testing::Fixture f("ch06_lstm.txt");
    TensorD Y, dX, dh0, dc0, dW(f["W"].shape()), db(f["b"].shape());
    std::vector<StepCache<double>> steps;
    lstm_sequence_forward(Y, steps, f["X"], f["h0"], f["c0"], f["W"], f["b"]);
    lstm_sequence_backward(dX, dh0, dc0, dW, db, f["dY"], steps, f["c0"], f["W"]);
    require_close(dX, f["dX"], 1e-11, 1e-13, "dX");
    require_close(dh0, f["dh0"], 1e-11, 1e-13, "dh0");
    require_close(dc0, f["dc0"], 1e-11, 1e-13, "dc0");
    require_close(dW, f["dW"], 1e-11, 1e-13, "dW");
    require_close(db, f["db"], 1e-11, 1e-13, "db");
}
