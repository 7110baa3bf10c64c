#!/usr/bin/python3
# check_torch_manifest.py MANIFEST TORCH_API_INCLUDE_DIR
#
# Checks the LibTorch manifest written by `fgcc-scan --torch` against the
# headers themselves: every TORCH_MODULE(X) under torch/nn/modules/ must be a
# torch::nn::X module_holder whose Impl and options are described, and every
# optimizer under torch/optim/ must come with its options and their
# arguments. A few well-known defaults are checked by value. Prints one
# summary line; lists every problem and exits 1 if there is any.
import glob
import json
import os
import re
import sys

EXPECTED_OPTIMIZERS = ["Adagrad", "Adam", "AdamW", "LBFGS", "RMSprop", "SGD"]

problems = []


def problem(message):
    problems.append(message)


def code_lines(path):
    """The lines of a header, with // comments removed (docs show examples
    such as `TORCH_MODULE(M);` that are no declarations)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield line.split("//", 1)[0]


def torch_modules(include_dir):
    pattern = re.compile(r"^\s*TORCH_MODULE\((\w+)\)")
    names = []
    headers = glob.glob(os.path.join(include_dir, "torch", "nn", "modules", "**", "*.h"), recursive=True)
    for header in sorted(headers):
        for line in code_lines(header):
            m = pattern.match(line)
            if m and m.group(1) not in names:
                names.append(m.group(1))
    return names


def torch_optimizers(include_dir):
    pattern = re.compile(r"^\s*class\s+(?:TORCH_API\s+)?(\w+)\s*:\s*public\s+Optimizer\b")
    names = []
    for header in sorted(glob.glob(os.path.join(include_dir, "torch", "optim", "*.h"))):
        for line in code_lines(header):
            m = pattern.match(line)
            if m:
                names.append(m.group(1))
    return sorted(names)


def expect_kind(classes, name, kind):
    entry = classes.get(name)
    if entry is None:
        problem("%s is missing" % name)
    elif entry["kind"] != kind:
        problem("%s is a %s, expected %s" % (name, entry["kind"], kind))
    return entry


def check_module(classes, name):
    holder = expect_kind(classes, "torch::nn::" + name, "module_holder")
    if holder is None:
        return
    impl = expect_kind(classes, holder.get("impl", ""), "module")
    if holder.get("impl") != "torch::nn::%sImpl" % name:
        problem("torch::nn::%s holds %r" % (name, holder.get("impl")))
    options = holder.get("options")
    if options and options not in classes:
        problem("torch::nn::%s takes %s, which is not described" % (name, options))
    if impl is not None and impl.get("options") != options:
        problem("torch::nn::%s and its Impl disagree on the options" % name)


def check_optimizer(classes, name):
    optimizer = expect_kind(classes, "torch::optim::" + name, "optimizer")
    if optimizer is None:
        return
    options_name = "torch::optim::%sOptions" % name
    if optimizer.get("options") != options_name:
        problem("torch::optim::%s takes %r, expected %s" % (name, optimizer.get("options"), options_name))
    options = expect_kind(classes, options_name, "options")
    if options is not None and not options["args"]:
        problem("%s has no arguments" % options_name)
    if not any(ctor["params"] and ctor["params"][0]["category"] == "tensor_list"
               for ctor in optimizer["constructors"]):
        problem("torch::optim::%s has no constructor taking parameters" % name)


def args_of(classes, name):
    return {a["name"]: a for a in classes.get(name, {}).get("args", [])}


def expect_args(classes, name, expected):
    """expected: [(arg, default_value)], in declaration order."""
    args = classes.get(name, {}).get("args", [])
    got = [(a["name"], a["default_value"]) for a in args]
    if got != expected:
        problem("%s args are %r, expected %r" % (name, got, expected))


def expect_arg(classes, name, arg, **fields):
    a = args_of(classes, name).get(arg)
    if a is None:
        problem("%s has no arg %s" % (name, arg))
        return
    for key, value in fields.items():
        if a.get(key) != value:
            problem("%s.%s: %s is %r, expected %r" % (name, arg, key, a.get(key), value))


def check_known_values(classes):
    expect_args(classes, "torch::optim::AdamWOptions",
                [("lr", 0.001), ("betas", [0.9, 0.999]), ("eps", 1e-8), ("weight_decay", 1e-2), ("amsgrad", False)])
    expect_arg(classes, "torch::optim::AdamWOptions", "betas", category="tuple",
               default="std::make_tuple(0.9, 0.999)")
    expect_arg(classes, "torch::optim::SGDOptions", "lr", default=None)
    expect_arg(classes, "torch::nn::LinearOptions", "bias", category="bool", default_value=True)
    expect_arg(classes, "torch::nn::Conv2dOptions", "kernel_size", category="int_array")
    expect_arg(classes, "torch::nn::Conv2dOptions", "padding_mode", category="enum",
               choices=["Zeros", "Reflect", "Replicate", "Circular"], default_value="Zeros")
    expect_arg(classes, "torch::nn::EmbeddingBagOptions", "mode", category="enum",
               choices=["Sum", "Mean", "Max"], default_value="Mean")
    expect_arg(classes, "torch::nn::EmbeddingOptions", "padding_idx", category="optional:int")
    expect_arg(classes, "torch::nn::DropoutOptions", "p", category="float", default_value=0.5)


def main():
    manifest_path, include_dir = sys.argv[1], sys.argv[2]
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") != "fgcc-manifest" or manifest.get("version") != 1:
        problem("not an fgcc-manifest version 1")
    classes = {c["name"]: c for c in manifest["classes"]}

    modules = torch_modules(include_dir)
    for name in modules:
        check_module(classes, name)
    optimizers = torch_optimizers(include_dir)
    if optimizers != EXPECTED_OPTIMIZERS:
        problem("optimizers in the headers: %r, expected %r" % (optimizers, EXPECTED_OPTIMIZERS))
    for name in optimizers:
        check_optimizer(classes, name)
    check_known_values(classes)

    for p in problems:
        print("error: " + p)
    print("%d modules, %d optimizers checked; %d problems" % (len(modules), len(optimizers), len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
