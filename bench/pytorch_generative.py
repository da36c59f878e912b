#!/usr/bin/python3
"""Chapter 9's models in PyTorch: the same VAE and GAN as ch09_generative (layers, initialisation,
Adam settings, batch size, epochs), on the same Fashion-MNIST files, timed per epoch like
ch09_generative (training only).

    bench/pytorch_generative.py --model vae --threads 2 --epochs 10
    bench/pytorch_generative.py --model gan --threads 2 --epochs 10 --samples-out runs/gan-pytorch.npy

Prints one JSON line per epoch (seconds, images_per_s, the training loss) and a last line with the
VAE's test ELBO in nats per image (one sample of z per test image, as ch09_generative). The GAN
writes --samples-out: 10,000 samples [N, 1, 28, 28] in [0, 1], float32 .npy, which
`ch09_generative --score FILE` hands to the same judge that scores its own samples.
`scripts/setup --fixtures` installs python3-torch; the tests never need it."""
import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = os.environ.get("DLFS_DATA", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    rows, cols = struct.unpack(">II", data[8:16])
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, 1, rows, cols)


def init_like_dlfs(module):
    """He normal (fan-in) for convolutions and the layers followed by ReLU, Xavier uniform for the
    heads, zero biases: as dlfs builds the models. A transposed convolution's fan-in is the terms
    each output sums, C·⌈K/S⌉²."""
    for m in module.modules():
        if isinstance(m, nn.ConvTranspose2d):
            fan = m.in_channels * math.ceil(m.kernel_size[0] / m.stride[0]) * math.ceil(m.kernel_size[1] / m.stride[1])
            nn.init.normal_(m.weight, 0, math.sqrt(2 / fan))
        elif isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            if getattr(m, "xavier", False):
                nn.init.xavier_uniform_(m.weight)
            else:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)


def xavier(layer):
    layer.xavier = True
    return layer


class Vae(nn.Module):
    def __init__(self, latent):
        super().__init__()
        self.latent = latent
        self.encoder = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),
                                     nn.Flatten(), xavier(nn.Linear(64 * 49, 2 * latent)))
        self.decoder = nn.Sequential(nn.Linear(latent, 64 * 49), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                                     nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def loss(self, x):
        """The negative ELBO per image: BCE summed over the pixels plus the KL term, mean over the batch."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.exp(logvar / 2) * torch.randn_like(mu)
        reconstruction = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="sum") / x.shape[0]
        kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum() / x.shape[0]
        return reconstruction + kl


def gan_models(latent):
    generator = nn.Sequential(nn.Linear(latent, 64 * 49), nn.BatchNorm1d(64 * 49), nn.ReLU(),
                              nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.BatchNorm2d(32),
                              nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Sigmoid())
    discriminator = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 64, 4, 2, 1),
                                  nn.BatchNorm2d(64), nn.LeakyReLU(0.2), nn.Flatten(), xavier(nn.Linear(64 * 49, 1)))
    return generator, discriminator


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=("vae", "gan"), default="vae")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--latent", type=int, default=0, help="0: 16 for the VAE, 64 for the GAN (ch09_generative's)")
    ap.add_argument("--max-train", type=int, default=55000, help="training images per epoch (ch09_generative: 55,000)")
    ap.add_argument("--samples-out", default="", help="the GAN: write 10,000 samples here (.npy)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    latent = args.latent or (64 if args.model == "gan" else 16)
    x = torch.from_numpy(read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    xt = torch.from_numpy(read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    x = x[torch.randperm(x.shape[0])][: args.max_train]
    b = args.batch_size
    if args.model == "vae":
        vae = Vae(latent)
        init_like_dlfs(vae)
        adam = torch.optim.Adam(vae.parameters(), lr=1e-3)
        for epoch in range(1, args.epochs + 1):
            order, total, start = torch.randperm(x.shape[0]), 0.0, time.perf_counter()
            for i in range(0, x.shape[0], b):
                batch = x[order[i:i + b]]
                adam.zero_grad()
                loss = vae.loss(batch)
                loss.backward()
                adam.step()
                total += loss.item() * batch.shape[0]
            seconds = time.perf_counter() - start
            print(json.dumps({"model": "vae", "epoch": epoch, "threads": args.threads, "seconds": seconds,
                              "images_per_s": x.shape[0] / seconds, "train_loss": total / x.shape[0]}), flush=True)
        with torch.no_grad():
            negative = sum(vae.loss(xt[i:i + 256]).item() * xt[i:i + 256].shape[0] for i in range(0, xt.shape[0], 256))
        print(json.dumps({"model": "vae", "elbo": -negative / xt.shape[0]}), flush=True)
        return
    generator, discriminator = gan_models(latent)
    init_like_dlfs(generator), init_like_dlfs(discriminator)
    adam_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    adam_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for epoch in range(1, args.epochs + 1):
        order, total_g, total_d, start = torch.randperm(x.shape[0]), 0.0, 0.0, time.perf_counter()
        for i in range(0, x.shape[0], b):
            real = x[order[i:i + b]]
            fake = generator(torch.randn(real.shape[0], latent))
            adam_d.zero_grad()
            real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
            loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) +
                      F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            loss_d.backward()
            adam_d.step()
            adam_g.zero_grad()
            fake_logits = discriminator(fake)
            loss_g = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
            loss_g.backward()
            adam_g.step()
            total_g += loss_g.item() * real.shape[0]
            total_d += loss_d.item() * real.shape[0]
        seconds = time.perf_counter() - start
        print(json.dumps({"model": "gan", "epoch": epoch, "threads": args.threads, "seconds": seconds,
                          "images_per_s": x.shape[0] / seconds, "generator_loss": total_g / x.shape[0],
                          "discriminator_loss": total_d / x.shape[0]}), flush=True)
    if args.samples_out:
        generator.eval()
        with torch.no_grad():
            samples = torch.cat([generator(torch.randn(500, latent)) for _ in range(20)])
        np.save(args.samples_out, samples.numpy().astype(np.float32))
        print(json.dumps({"model": "gan", "samples": args.samples_out}), flush=True)


if __name__ == "__main__":
    main()
