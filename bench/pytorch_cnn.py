#!/usr/bin/python3
"""Chapter 5's training speed in PyTorch: Debian's python3-torch training the classic Keras CNN on
Fashion-MNIST, timed per epoch like ch05_cnn (training only, evaluation excluded).

    OPENBLAS_NUM_THREADS=1 bench/pytorch_cnn.py --threads 2 --epochs 1 --batch-size 32

Prints one JSON line per epoch: threads, batch_size, seconds, images_per_s, and after the last
epoch the test accuracy. Used by bench/cnn-side-by-side; the tests never need PyTorch.
`scripts/setup --fixtures` installs python3-torch."""
import argparse
import gzip
import json
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


def model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-train", type=int, default=55000, help="training images per epoch (ch05_cnn: 55,000)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xt = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255
    yt = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    mean, std = x.mean(), x.std()
    x, xt = torch.from_numpy((x - mean) / std), torch.from_numpy((xt - mean) / std)
    y, yt = torch.from_numpy(y), torch.from_numpy(yt)
    x, y = x[: args.max_train], y[: args.max_train]
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(x))
        start = time.perf_counter()
        for i in range(0, len(x), args.batch_size):
            idx = order[i : i + args.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        row = {"framework": f"pytorch {torch.__version__}", "epoch": epoch, "threads": args.threads,
               "batch_size": args.batch_size, "seconds": round(seconds, 3), "images_per_s": round(len(x) / seconds, 1)}
        if epoch == args.epochs:
            net.eval()
            with torch.no_grad():
                correct = sum(int((net(xt[i : i + 1000]).argmax(1) == yt[i : i + 1000]).sum()) for i in range(0, len(xt), 1000))
            row["test_accuracy"] = correct / len(xt)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
