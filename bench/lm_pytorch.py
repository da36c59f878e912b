"""What the PyTorch versions of chapters 6 and 7 (bench/pytorch_lstm.py,
bench/pytorch_transformer.py) share: the text and its 90/10 split by position, the validation
windows, and the training loop timed and evaluated as the chapters' own (training time only; one
JSON line per evaluation)."""
import argparse
import json
import time

import torch
import torch.nn as nn


def arguments(description, seq_len, lr):
    """The options both PyTorch versions take; the model's own are added by the caller."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--text", default="runs/data/kjv.txt")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-windows", type=int, default=3200)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=seq_len)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--seed", type=int, default=42)
    return ap


class Corpus:
    """The text as ids of its sorted alphabet, the first 90% to train on, and the validation
    windows: the first eval_windows of seq_len + 1 characters of the last 10% (window w starts at
    seq_len·w). Sets PyTorch's threads and seed first."""

    def __init__(self, args):
        torch.set_num_threads(args.threads)
        torch.manual_seed(args.seed)
        text = open(args.text, encoding="utf-8").read()
        self.alphabet = sorted(set(text))
        index = {c: i for i, c in enumerate(self.alphabet)}
        ids = torch.tensor([index[c] for c in text], dtype=torch.long)
        cut = round(0.9 * len(ids))
        self.train, val = ids[:cut], ids[cut:]
        T = args.seq_len
        self.count = min(args.eval_windows, (len(val) - 1) // T)
        starts = (torch.arange(self.count) * T).tolist()
        self.val_x = torch.stack([val[s : s + T] for s in starts])
        self.val_y = torch.stack([val[s + 1 : s + T + 1] for s in starts])


def train(net, corpus, args):
    """Adam at args.lr, gradient norm clipped at 1.0, batches of args.batch_size random windows;
    prints one JSON line per evaluation: step, train_loss (averaged over the interval), val_loss
    in nats per character, seconds of training in the interval, tokens_per_s."""
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    T, B = args.seq_len, args.batch_size
    offsets = torch.arange(T + 1)
    step, seconds, loss_sum, interval_steps = 0, 0.0, 0.0, 0
    while step < args.steps:
        start = time.perf_counter()
        begin = torch.randint(0, len(corpus.train) - T, (B,))
        window = corpus.train[begin[:, None] + offsets]
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
                for i in range(0, corpus.count, B):
                    x, y = corpus.val_x[i : i + B], corpus.val_y[i : i + B]
                    logits = net(x)
                    total += loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item() * len(x)
            net.train()
            print(json.dumps({"framework": f"pytorch {torch.__version__}", "step": step, "threads": args.threads,
                              "params": params, "vocab": len(corpus.alphabet),
                              "train_loss": round(loss_sum / interval_steps, 4),
                              "val_loss": round(total / corpus.count, 4), "seconds": round(seconds, 3),
                              "tokens_per_s": round(interval_steps * B * T / seconds, 1)}), flush=True)
            seconds, loss_sum, interval_steps = 0.0, 0.0, 0
