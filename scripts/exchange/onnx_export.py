"""A classifier's safetensors file (written by --export-safetensors) as an ONNX graph, built node by
node with the onnx package from the file's "pytorch_modules" metadata: Flatten, Linear (Gemm),
ReLU, Tanh, Sigmoid, Conv2d (Conv), MaxPool2d, AvgPool2d, Dropout (dropped: evaluation), BatchNorm1d
(BatchNormalization). The input is "images" [N, C, H, W] already scaled as the metadata says
(input_mean, input_std); the output "logits" [N, classes].

    scripts/check-in-pytorch writes and checks these; alone:
    build/exchange-venv/bin/python scripts/exchange/onnx_export.py model.safetensors model.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file
from safetensors import safe_open

import modules


def to_onnx(safetensors_path, onnx_path):
    with safe_open(safetensors_path, "np") as f:
        meta = f.metadata()
    tensors = load_file(safetensors_path)
    shape = [int(d) for d in meta["input_shape"].split(",")]
    nodes, inits = [], []
    x = "images"

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    for i, (kind, args) in enumerate(modules.parse(meta["pytorch_modules"])):
        y = f"x{i + 1}"
        if kind == "Flatten":
            nodes.append(helper.make_node("Flatten", [x], [y], axis=1))
        elif kind == "Linear":   # y = x Wᵀ + b
            nodes.append(helper.make_node("Gemm", [x, init(f"{i}.weight", tensors[f"{i}.weight"]),
                                                   init(f"{i}.bias", tensors[f"{i}.bias"])], [y], transB=1))
        elif kind in ("ReLU", "Tanh", "Sigmoid"):
            nodes.append(helper.make_node({"ReLU": "Relu"}.get(kind, kind), [x], [y]))
        elif kind == "Conv2d":
            _, _, kernel, stride, padding = args
            nodes.append(helper.make_node("Conv", [x, init(f"{i}.weight", tensors[f"{i}.weight"]),
                                                   init(f"{i}.bias", tensors[f"{i}.bias"])], [y],
                                          kernel_shape=list(kernel), strides=[stride, stride], pads=[padding] * 4))
        elif kind in ("MaxPool2d", "AvgPool2d"):
            size, stride = args
            nodes.append(helper.make_node(kind.replace("2d", ""), [x], [y], kernel_shape=[size, size],
                                          strides=[stride, stride]))
        elif kind == "Dropout":   # the identity in evaluation
            nodes.append(helper.make_node("Identity", [x], [y]))
        elif kind == "BatchNorm1d":
            names = [init(f"{i}.{n}", tensors[f"{i}.{n}"]) for n in ("weight", "bias", "running_mean", "running_var")]
            nodes.append(helper.make_node("BatchNormalization", [x] + names, [y], epsilon=1e-5))
        else:
            raise SystemExit(f"onnx_export: no ONNX node for {kind}")
        x = y
    nodes.append(helper.make_node("Identity", [x], ["logits"]))
    classes = len(meta["classes"].split(","))
    graph = helper.make_graph(nodes, "dlfs_" + meta["program"],
                              [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N"] + shape)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])], inits)
    model = helper.make_model(graph, producer_name="dlfs", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8   # read by onnxruntime releases from 1.14 on
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, onnx_path)
    return model


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    to_onnx(sys.argv[1], sys.argv[2])
    print(f"wrote {sys.argv[2]}")
