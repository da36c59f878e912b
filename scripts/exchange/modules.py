"""The metadata that --export-safetensors writes, read back safely: "pytorch_modules" (a classifier's
torch.nn.Sequential as text, "Flatten(); Linear(784, 128); ReLU(); Linear(128, 10)") becomes the
module again without running the text (only these layer names, only literal arguments)."""
import ast
import re

import torch.nn as nn

LAYERS = {"Flatten": nn.Flatten, "Linear": nn.Linear, "ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid,
          "Conv2d": nn.Conv2d, "MaxPool2d": nn.MaxPool2d, "AvgPool2d": nn.AvgPool2d, "BatchNorm1d": nn.BatchNorm1d,
          "Dropout": nn.Dropout}


def parse(text):
    """[(name, args)] from "Name(args); Name(args)"."""
    layers = []
    for item in text.split(";"):
        m = re.fullmatch(r"\s*(\w+)\((.*)\)\s*", item)
        if not m or m.group(1) not in LAYERS:
            raise SystemExit(f"pytorch_modules: cannot read {item.strip()!r}")
        args = ast.literal_eval("(" + m.group(2) + ",)") if m.group(2).strip() else ()
        layers.append((m.group(1), args))
    return layers


def sequential(text):
    return nn.Sequential(*[LAYERS[name](*args) for name, args in parse(text)])
