#!/usr/bin/python3
"""The PyTorch version of chapter 6: Debian's python3-torch training the same character-level LSTM
language model on the same text, timed and evaluated like `ch06_rnn_lstm --batching random
--lr-schedule none` (training time only; evaluation excluded).

    OPENBLAS_NUM_THREADS=1 bench/pytorch_lstm.py --threads 1 --steps 2000 --eval-every 500

Embedding(V, 64), LSTM(64, 256), Linear(256, V); Adam 2e-3, gradient norm clipped at 1.0; batches of
32 random windows of 64 + 1 characters from the first 90% of the text, each from a zero state; the
validation loss on the first 3,200 windows of 65 characters of the last 10% (window w starts at
64·w), each from a zero state. Prints one JSON line per evaluation: step, train_loss (averaged over
the interval), val_loss in nats per character, seconds, tokens_per_s. The text is the file given
with --text (ch06_rnn_lstm caches the King James Bible in runs/data/kjv.txt). Used by
bench/lstm-side-by-side; the tests never need PyTorch. `scripts/setup --fixtures` installs it."""
import torch.nn as nn

import lm_pytorch


class CharLstm(nn.Module):
    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):
        y, _ = self.lstm(self.embedding(x))
        return self.out(y)


def main():
    ap = lm_pytorch.arguments(__doc__.splitlines()[0], seq_len=64, lr=2e-3)
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    args = ap.parse_args()
    corpus = lm_pytorch.Corpus(args)
    lm_pytorch.train(CharLstm(len(corpus.alphabet), args.embed, args.hidden), corpus, args)


if __name__ == "__main__":
    main()
