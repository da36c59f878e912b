"""Our models in PyTorch and onnxruntime, and PyTorch's in ours (run by scripts/check-in-pytorch).

For each chapter, both directions on the same inputs:
  ours -> PyTorch   the chapter trains briefly (--quick) and writes --export-safetensors and
                    --export-logits; PyTorch loads the file into the equivalent module (chapters 2
                    and 5: the torch.nn.Sequential in the file's metadata, on the test images read
                    here from the IDX file and scaled as the metadata says; chapters 6 and 7:
                    bench/'s CharLstm and CharTransformer, on the same 1,000 character positions) and
                    must compute the same logits (within 1e-4) and the same arg-max everywhere;
                    chapters 2 and 5 also through ONNX (onnx_export.py) in onnxruntime.
  PyTorch -> ours   a fresh PyTorch module trains for a few steps, saved with safetensors.torch;
                    the chapter imports it (--import-safetensors, --epochs 0 or --steps 0) and must
                    compute the same logits, the same test accuracy (or loss) as PyTorch.
Prints a table of the largest differences and writes it to OUT/report.md; exits 1 if any check fails.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.numpy import load_file as load_numpy
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import modules  # noqa: E402
import onnx_export  # noqa: E402
from pytorch_lstm import CharLstm  # noqa: E402
from pytorch_transformer import CharTransformer  # noqa: E402

TOLERANCE = 1e-4
DATA = Path(os.environ.get("DLFS_DATA", "/usr/share/datasets/fashion-mnist"))
PROGRAMS = {"ch02": "ch02_backprop", "ch05": "ch05_cnn", "ch06": "ch06_rnn_lstm", "ch07": "ch07_transformer"}
rows, failures = [], []


def run(build, chapter, out, *options):
    command = [str(build / "bin" / PROGRAMS[chapter]), "--quick", "--plot", "none", "--out", str(out), *options]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"check-in-pytorch: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return json.loads((out / "summary.json").read_text())


def metadata(path):
    with safe_open(str(path), "pt") as f:
        return f.metadata()


def fashion_images(split, meta, count):
    """The first `count` images of `split` ("t10k" or "train") [count, C, H, W], scaled as the
    exporting run scaled them, and their labels."""
    with gzip.open(DATA / f"{split}-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    _, n, h, w = struct.unpack(">IIII", raw[:16])
    pixels = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w)[:count].astype(np.float32) / 255
    with gzip.open(DATA / f"{split}-labels-idx1-ubyte.gz", "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:count].astype(np.int64)
    scaled = (pixels - np.float32(meta["input_mean"])) / np.float32(meta["input_std"])
    return torch.from_numpy(scaled), torch.from_numpy(labels)


def load_state(module, path):
    """Loads our file; PyTorch's BatchNorm count (num_batches_tracked) is the only key we do not write."""
    missing, unexpected = module.load_state_dict(load_file(str(path)), strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"check-in-pytorch: {path}: missing {missing}, unexpected {unexpected}")
    return module.eval()


def compare(chapter, direction, ours, theirs, extra=""):
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    difference = float(np.max(np.abs(ours - theirs)))
    agree = float(np.mean(ours.argmax(-1) == theirs.argmax(-1)))
    ok = difference <= TOLERANCE and agree == 1.0
    rows.append(f"| {chapter} | {direction} | {ours.shape[0]:,} | {difference:.2e} | {agree:.4f} | {extra} | "
                f"{'ok' if ok else 'FAILED'} |")
    if not ok:
        failures.append(f"{chapter} {direction}: largest logit difference {difference:.3g}, arg-max agreement {agree}")


def classifier(build, chapter, out):
    ours_file, ours_logits = out / "ours.safetensors", out / "ours.logits.safetensors"
    summary = run(build, chapter, out / "ours", "--epochs", "1", "--export-safetensors", str(ours_file),
                  "--export-logits", str(ours_logits))
    meta = metadata(ours_file)
    logits = load_numpy(str(ours_logits))["logits"]
    x, y = fashion_images("t10k", meta, logits.shape[0])
    with torch.no_grad():
        theirs = load_state(modules.sequential(meta["pytorch_modules"]), ours_file)(x).numpy()
    accuracy = float((theirs.argmax(1) == y.numpy()).mean())
    compare(chapter, "ours -> PyTorch", logits, theirs,
            f"test accuracy {summary['test_accuracy']:.4f} / {accuracy:.4f}")

    import onnxruntime
    onnx_export.to_onnx(str(ours_file), str(out / "ours.onnx"))
    session = onnxruntime.InferenceSession(str(out / "ours.onnx"), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(["logits"], {"images": x.numpy()})[0]
    compare(chapter, "ours -> ONNX (onnxruntime)", logits, onnx_logits,
            f"test accuracy {float((onnx_logits.argmax(1) == y.numpy()).mean()):.4f}")

    # The other way: PyTorch initialises and trains the same module for 200 steps, we import it.
    torch.manual_seed(0)
    net = modules.sequential(meta["pytorch_modules"])
    images, labels = fashion_images("train", meta, 6400)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for step in range(200):
        batch = slice(32 * step, 32 * step + 32)
        optimizer.zero_grad()
        F.cross_entropy(net(images[batch]), labels[batch]).backward()
        optimizer.step()
    net.eval()
    theirs_file, theirs_logits = out / "pytorch.safetensors", out / "pytorch.logits.safetensors"
    state = {k: v.float().contiguous() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    save_file(state, str(theirs_file), metadata=meta)
    with torch.no_grad():
        expected = net(x).numpy()
    accuracy = float((expected.argmax(1) == y.numpy()).mean())
    summary = run(build, chapter, out / "imported", "--epochs", "0", "--import-safetensors", str(theirs_file),
                  "--export-logits", str(theirs_logits))
    compare(chapter, "PyTorch -> ours", load_numpy(str(theirs_logits))["logits"], expected,
            f"test accuracy {summary['test_accuracy']:.4f} / {accuracy:.4f}")
    if abs(summary["test_accuracy"] - accuracy) > 1e-9:
        failures.append(f"{chapter} PyTorch -> ours: test accuracy {summary['test_accuracy']} here, {accuracy} in PyTorch")


def language_model_module(meta):
    if meta["module"] == "CharLstm":
        if meta["cell"] != "lstm" or meta["layers"] != "1":
            raise SystemExit("check-in-pytorch: bench/pytorch_lstm.py's CharLstm is one LSTM layer")
        return CharLstm(int(meta["vocab"]), int(meta["embed"]), int(meta["hidden"]))
    if meta["mlp_ratio"] != "4" or meta["gelu"] != "erf":
        raise SystemExit("check-in-pytorch: bench/pytorch_transformer.py's CharTransformer has a 4x MLP and the erf GELU")
    return CharTransformer(int(meta["vocab"]), int(meta["width"]), int(meta["heads"]), int(meta["layers"]),
                           int(meta["context"]))


def mean_loss(logits, ids):
    """Cross-entropy (nats per character) of each position's logits for the next id in its window."""
    W, T = ids.shape
    logits = torch.as_tensor(logits, dtype=torch.float64).reshape(W, T, -1)[:, :-1]
    return float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1)))


def language_model(build, chapter, out):
    ours_file, ours_logits = out / "ours.safetensors", out / "ours.logits.safetensors"
    run(build, chapter, out / "ours", "--steps", "30", "--export-safetensors", str(ours_file),
        "--export-logits", str(ours_logits))
    meta = metadata(ours_file)
    exported = load_numpy(str(ours_logits))
    ids = torch.from_numpy(exported["ids"].astype(np.int64))
    with torch.no_grad():
        theirs = load_state(language_model_module(meta), ours_file)(ids).reshape(-1, int(meta["vocab"])).numpy()
    compare(chapter, "ours -> PyTorch", exported["logits"], theirs,
            f"loss {mean_loss(exported['logits'], ids):.4f} / {mean_loss(theirs, ids):.4f} nats/char")

    torch.manual_seed(0)
    net = language_model_module(meta)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(30):   # next-character prediction on the same windows
        optimizer.zero_grad()
        logits = net(ids[:, :-1])
        F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1)).backward()
        optimizer.step()
    net.eval()
    theirs_file, theirs_logits = out / "pytorch.safetensors", out / "pytorch.logits.safetensors"
    save_file({k: v.float().contiguous() for k, v in net.state_dict().items()}, str(theirs_file), metadata=meta)
    with torch.no_grad():
        expected = net(ids).reshape(-1, int(meta["vocab"])).numpy()
    run(build, chapter, out / "imported", "--steps", "0", "--import-safetensors", str(theirs_file),
        "--export-logits", str(theirs_logits))
    imported = load_numpy(str(theirs_logits))["logits"]
    compare(chapter, "PyTorch -> ours", imported, expected,
            f"loss {mean_loss(imported, ids):.4f} / {mean_loss(expected, ids):.4f} nats/char")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build" / "reference"), help="the build whose bin/ to check")
    ap.add_argument("--out", default=str(ROOT / "build" / "check-in-pytorch"), help="where the files go")
    ap.add_argument("chapters", nargs="*", default=list(PROGRAMS), help="ch02 ch05 ch06 ch07 (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for chapter in args.chapters:
        if chapter not in PROGRAMS:
            raise SystemExit(f"check-in-pytorch: no chapter {chapter} (have {' '.join(PROGRAMS)})")
        out = Path(args.out) / chapter
        out.mkdir(parents=True, exist_ok=True)
        (classifier if chapter in ("ch02", "ch05") else language_model)(Path(args.build), chapter, out)
    table = ["| chapter | direction | rows | largest logit difference | same arg-max | ours / theirs | |",
             "|---|---|---|---|---|---|---|", *rows]
    report = "\n".join(table) + "\n"
    Path(args.out, "report.md").write_text(report)
    print(report, end="")
    if failures:
        print("check-in-pytorch: FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
