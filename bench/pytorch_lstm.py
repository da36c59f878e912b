#!/usr/bin/python3
"""The peer for chapter 6: PyTorch (Debian's python3-torch) training the same character-level LSTM
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
import argparse
import json
import time

import torch
import torch.nn as nn


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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", default="runs/data/kjv.txt")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-windows", type=int, default=3200)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    text = open(args.text, encoding="utf-8").read()
    alphabet = sorted(set(text))
    index = {c: i for i, c in enumerate(alphabet)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    cut = round(0.9 * len(ids))
    train, val = ids[:cut], ids[cut:]
    T, B = args.seq_len, args.batch_size
    count = min(args.eval_windows, (len(val) - 1) // T)
    starts = torch.arange(count) * T
    val_x = torch.stack([val[s : s + T] for s in starts.tolist()])
    val_y = torch.stack([val[s + 1 : s + T + 1] for s in starts.tolist()])
    net = CharLstm(len(alphabet), args.embed, args.hidden)
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    offsets = torch.arange(T + 1)
    step, seconds, loss_sum, interval_steps = 0, 0.0, 0.0, 0
    while step < args.steps:
        start = time.perf_counter()
        begin = torch.randint(0, len(train) - T, (B,))
        window = train[begin[:, None] + offsets]
        x, y = window[:, :T], window[:, 1:]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x).reshape(B * T, -1), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        seconds += time.perf_counter() - start
        loss_sum += loss.item()
        interval_steps += 1
        step += 1
        if step % args.eval_every == 0 or step == args.steps:
            net.eval()
            with torch.no_grad():
                total = 0.0
                for i in range(0, count, B):
                    logits = net(val_x[i : i + B])
                    total += loss_fn(logits.reshape(-1, logits.shape[-1]), val_y[i : i + B].reshape(-1)).item() * len(val_x[i : i + B])
            net.train()
            print(json.dumps({"framework": f"pytorch {torch.__version__}", "step": step, "threads": args.threads,
                              "params": params, "vocab": len(alphabet), "train_loss": round(loss_sum / interval_steps, 4),
                              "val_loss": round(total / count, 4), "seconds": round(seconds, 3),
                              "tokens_per_s": round(interval_steps * B * T / seconds, 1)}), flush=True)
            seconds, loss_sum, interval_steps = 0.0, 0.0, 0


if __name__ == "__main__":
    main()
