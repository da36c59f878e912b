#!/usr/bin/python3
"""Chapter 5 in PyTorch: Debian's python3-torch training the classic Keras CNN on Fashion-MNIST,
timed per epoch like ch05_cnn (training only, evaluation excluded).

    OPENBLAS_NUM_THREADS=1 bench/pytorch_cnn.py --threads 2 --epochs 1 --batch-size 32
    OPENBLAS_NUM_THREADS=1 bench/pytorch_cnn.py --recipe best --threads 2

--recipe course (the default) is the speed benchmark: Adam at a constant 0.001 (ch05_cnn's course
run anneals it with the cosine schedule; the speed is the same). --recipe best is
ch05_cnn --recipe best written in PyTorch, for the same budget side by side: batch norm before each
ReLU, dropout 0.2, random shifts of up to 1 pixel (the border filled with the background), AdamW
(lr 0.002, decay 0.05) warmed up over the first epoch then the cosine schedule to 0, label smoothing
0.1, batch 64, 40 epochs (--epochs and --batch-size override them), He-normal weights and zero
biases as in ch05_cnn. --shift N and --flip P change the augmentation as ch05_cnn's options do.

Prints one JSON line per epoch: threads, batch_size, seconds, images_per_s, the epoch's mean
training loss, and the test accuracy (after every epoch with --recipe best, else after the last). Used by bench/cnn-side-by-side and scripts/readme-figures; the tests never
need PyTorch. `scripts/setup --fixtures` installs python3-torch."""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DATA = os.environ.get("DLFS_DATA", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, 1, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def model(batch_norm=False, dropout=0.5):
    def norm(features, image):
        return [(nn.BatchNorm2d if image else nn.BatchNorm1d)(features)] if batch_norm else []
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), *norm(32, True), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), *norm(64, True), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), *norm(128, False), nn.ReLU(), nn.Dropout(dropout), nn.Linear(128, 10))


def keras_init(net):
    """ch05_cnn's initial weights: He normal for the ReLU layers, Xavier uniform for the last, biases 0."""
    layers = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    for m in layers:
        if m is layers[-1]:
            nn.init.xavier_uniform_(m.weight)
        else:
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)


def augment(batch, shift, flip, background, g):
    """Each image shifted by its own (dy, dx) in {-shift..shift}, the border the background; then flipped
    left-right with probability flip."""
    n, _, h, w = batch.shape
    padded = torch.nn.functional.pad(batch, (shift,) * 4, value=background)
    d = torch.randint(0, 2 * shift + 1, (n, 2), generator=g)
    out = torch.stack([padded[i, :, d[i, 0] : d[i, 0] + h, d[i, 1] : d[i, 1] + w] for i in range(n)])
    mirrored = torch.rand(n, generator=g) < flip
    return torch.where(mirrored[:, None, None, None], out.flip(3), out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", choices=("course", "best"), default="course")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=None, help="default: 1 (course), 40 (best)")
    ap.add_argument("--batch-size", type=int, default=None, help="default: 32 (course), 64 (best)")
    ap.add_argument("--max-train", type=int, default=55000, help="training images per epoch (ch05_cnn: 55,000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--shift", type=int, default=1, help="--recipe best: random shifts of up to this many pixels")
    ap.add_argument("--flip", type=float, default=0.0, help="--recipe best: left-right flips with this probability")
    args = ap.parse_args()
    best = args.recipe == "best"
    epochs = args.epochs or (40 if best else 1)
    batch_size = args.batch_size or (64 if best else 32)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed + 1)
    x = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xt = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255
    yt = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    x, y = x[: args.max_train], y[: args.max_train]
    mean, std = x.mean(), x.std()   # the training images', as ch05_cnn
    x, xt = torch.from_numpy((x - mean) / std), torch.from_numpy((xt - mean) / std)
    y, yt = torch.from_numpy(y), torch.from_numpy(yt)
    background = float(-mean / std)   # a 0 pixel, standardised
    net = model(batch_norm=best, dropout=0.2 if best else 0.5)
    if best:
        keras_init(net)
        opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=0.05)
        steps_per_epoch = (len(x) + batch_size - 1) // batch_size
        warmup, total = steps_per_epoch, epochs * steps_per_epoch
        # ch05_cnn's schedule: cosine over the run's steps, and the first epoch's steps ramp up to it.
        rate = lambda t: 0.5 * (1 + math.cos(math.pi * t / total)) * (min(1.0, (t + 1) / warmup))
        schedule = torch.optim.lr_scheduler.LambdaLR(opt, rate)
        loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        schedule = None
        loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, epochs + 1):
        net.train()
        order = torch.randperm(len(x))
        start = time.perf_counter()
        loss_sum = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            batch = augment(x[idx], args.shift, args.flip, background, g) if best else x[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(batch), y[idx])
            loss.backward()
            opt.step()
            loss_sum += float(loss) * len(idx)
            if schedule is not None:
                schedule.step()
        seconds = time.perf_counter() - start
        row = {"framework": f"pytorch {torch.__version__}", "recipe": args.recipe, "epoch": epoch,
               "threads": args.threads, "batch_size": batch_size, "seconds": round(seconds, 3),
               "images_per_s": round(len(x) / seconds, 1), "train_loss": round(loss_sum / len(x), 4)}
        if epoch == epochs or best:
            net.eval()
            with torch.no_grad():
                correct = sum(int((net(xt[i : i + 1000]).argmax(1) == yt[i : i + 1000]).sum()) for i in range(0, len(xt), 1000))
            row["test_accuracy"] = correct / len(xt)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
