#!/usr/bin/python3
"""The PyTorch version of chapter 7: Debian's python3-torch training the same character-level
Transformer language model on the same text, timed and evaluated like `ch07_transformer --optimizer
adam --lr-schedule none --warmup-steps 0 --weight-decay 0` (training time only; evaluation excluded).

    OPENBLAS_NUM_THREADS=1 bench/pytorch_transformer.py --threads 1 --steps 2000 --eval-every 500

Decoder-only, GPT's shape: Embedding(V, 128) plus a learned Embedding(128, 128) of the position;
4 pre-norm blocks, x + attention(LayerNorm(x)) then x + MLP(LayerNorm(x)), the attention one
Linear(128, 384) into q|k|v, 4 causal heads of 32, Linear(128, 128) out, the MLP Linear(128, 512),
GELU (erf), Linear(512, 128); a final LayerNorm and Linear(128, V) without bias, untied. Initialised
as GPT-2: weights N(0, 0.02), biases 0, the two projections into the residual stream N(0, 0.02 /
sqrt(2 · layers)). 828,416 parameters for the Bible's 73 characters. Adam 1e-3, gradient norm
clipped at 1.0, no schedule; batches of 32 random windows of 128 + 1 characters from the first 90%
of the text; the validation loss on the first 3,200 windows of 129 characters of the last 10%
(window w starts at 128·w). Prints one JSON line per evaluation: step, train_loss (averaged over the
interval), val_loss in nats per character, seconds, tokens_per_s. The text is the file given with
--text (ch07_transformer caches the King James Bible in runs/data/kjv.txt). Used by
bench/transformer-side-by-side; the tests never need PyTorch. `scripts/setup --fixtures` installs
it."""
import math
import sys

import torch
import torch.nn as nn

import lm_pytorch


class CausalSelfAttention(nn.Module):
    # Written out: torch 1.13 has no F.scaled_dot_product_attention.
    def __init__(self, width, heads, context):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)   # columns: q | k | v, head j of each at j·d .. j·d + d - 1
        self.proj = nn.Linear(width, width)
        self.register_buffer("mask", torch.tril(torch.ones(context, context, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        d = C // self.heads
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, d).transpose(1, 2) for t in (q, k, v))   # [B, heads, T, d]
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))
        y = torch.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, width, heads, context):
        super().__init__()
        self.ln1 = nn.LayerNorm(width, eps=1e-5)
        self.attn = CausalSelfAttention(width, heads, context)
        self.ln2 = nn.LayerNorm(width, eps=1e-5)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class CharTransformer(nn.Module):
    def __init__(self, vocab, width, heads, layers, context):
        super().__init__()
        self.token = nn.Embedding(vocab, width)
        self.position = nn.Embedding(context, width)
        self.blocks = nn.Sequential(*[Block(width, heads, context) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width, eps=1e-5)
        self.head = nn.Linear(width, vocab, bias=False)
        for m in self.modules():   # GPT-2's initialisation (LayerNorm keeps its 1 and 0)
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        for block in self.blocks:   # the two projections that write into the residual stream
            nn.init.normal_(block.attn.proj.weight, 0.0, 0.02 / math.sqrt(2 * layers))
            nn.init.normal_(block.mlp[2].weight, 0.0, 0.02 / math.sqrt(2 * layers))

    def forward(self, x):
        T = x.shape[1]
        h = self.token(x) + self.position(torch.arange(T, device=x.device))
        return self.head(self.ln_f(self.blocks(h)))


def main():
    ap = lm_pytorch.arguments(__doc__.splitlines()[0], seq_len=128, lr=1e-3)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--width", type=int, default=128)
    args = ap.parse_args()
    context = 128   # as ch07_transformer's --context; --seq-len may be shorter, not longer
    if args.width % args.heads != 0:
        ap.error(f"--width {args.width} must be a multiple of --heads {args.heads}")
    if args.seq_len > context:
        ap.error(f"--seq-len {args.seq_len} is longer than the context {context}")
    corpus = lm_pytorch.Corpus(args)
    V = len(corpus.alphabet)
    net = CharTransformer(V, args.width, args.heads, args.layers, context)
    params = sum(p.numel() for p in net.parameters())
    print(f"pytorch_transformer: {params:,} parameters ({V} characters, {args.layers} layers, "
          f"{args.heads} heads, width {args.width}, context {context})", file=sys.stderr, flush=True)
    if V == 73 and (args.layers, args.heads, args.width) == (4, 4, 128):
        assert params == 828416, f"expected 828,416 parameters (as ch07_transformer), got {params:,}"
    lm_pytorch.train(net, corpus, args)


if __name__ == "__main__":
    main()
