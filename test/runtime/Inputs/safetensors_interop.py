"""safetensors_interop.py - the Python half of safetensors-interop.test.

    write OUT      writes F32/BF16/F16/I64 tensors covering awkward bit
                   patterns and shapes, plus metadata, then dumps OUT
    dump FILE      the same listing as `fgrt-safetensors-tool dump`
    compare A B    A and B hold bit-identical tensors and metadata

(Importing torch takes ~1.6 s, so `write` dumps too, saving a start-up.)

Everything goes through test/reference/safetensors_io.py, so the test checks
the C++ code against an independent implementation in both directions.
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference"))
import safetensors_io  # noqa: E402


def _from_bits(bits, dtype, int_dtype):
    # Build floats from explicit bit patterns: NaN payloads, -0.0, denormals.
    return torch.tensor(bits, dtype=torch.int64).to(int_dtype).view(dtype)


def sample_tensors():
    gen = torch.Generator().manual_seed(1234)
    f32_bits = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x00000001, 0x7FC00000, 0xFFC12345, 0x3F800000]
    f32_bits = [b - (1 << 32) if b >= 1 << 31 else b for b in f32_bits]
    half_bits = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x0001, 0x7E00, 0xFE01, 0x3C00]
    half_bits = [b - (1 << 16) if b >= 1 << 15 else b for b in half_bits]
    return {
        "f32.special": _from_bits(f32_bits, torch.float32, torch.int32),
        "f32.matrix": torch.randn(3, 5, generator=gen),
        "f32.scalar": torch.tensor(-1.5),
        "bf16.special": _from_bits(half_bits, torch.bfloat16, torch.int16),
        "bf16.cube": torch.randn(2, 3, 4, generator=gen).to(torch.bfloat16),
        "f16.special": _from_bits(half_bits, torch.float16, torch.int16),
        "f16.matrix": torch.randn(4, 2, generator=gen).to(torch.float16),
        "i64.extremes": torch.tensor([-(1 << 63), -1, 0, 1, (1 << 63) - 1], dtype=torch.int64),
        "i64.empty": torch.empty(0, 3, dtype=torch.int64),
        "layers.0.attn.q_proj.weight": torch.randn(8, 8, generator=gen),
    }


SAMPLE_METADATA = {"format": "pt", "note": "caf\u00e9 \"quoted\"\nline two", "step": "42"}


def escaped(text):
    # Matches the tool: control bytes, backslash and DEL as \xNN.
    raw = bytearray()
    for b in text.encode("utf-8"):
        raw += f"\\x{b:02x}".encode() if b < 0x20 or b in (0x5C, 0x7F) else bytes([b])
    return raw.decode("utf-8")


def fnv1a64(tensor):
    data = tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def dump(path):
    tensors, metadata = safetensors_io.load(path)
    lines = [f"meta {escaped(k)}={escaped(v)}" for k, v in sorted(metadata.items(), key=_utf8_key)]
    for name, tensor in sorted(tensors.items(), key=_utf8_key):
        shape = ",".join(str(d) for d in tensor.shape)
        dtype = safetensors_io.DTYPE_NAMES[tensor.dtype]
        lines.append(f"{escaped(name)} {dtype} [{shape}] fnv1a64={fnv1a64(tensor):016x}")
    sys.stdout.write("".join(line + "\n" for line in lines))


def _utf8_key(item):
    # The C++ tool sorts by bytes (std::map<std::string>).
    return item[0].encode("utf-8")


def compare(a, b):
    ta, ma = safetensors_io.load(a)
    tb, mb = safetensors_io.load(b)
    problems = []
    if ma != mb:
        problems.append(f"metadata differs: {ma!r} vs {mb!r}")
    if sorted(ta) != sorted(tb):
        problems.append(f"names differ: {sorted(ta)} vs {sorted(tb)}")
    for name in sorted(set(ta) & set(tb)):
        x, y = ta[name], tb[name]
        if x.dtype != y.dtype or x.shape != y.shape:
            problems.append(f"{name}: {x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)}")
        elif safetensors_io._tensor_bytes(x) != safetensors_io._tensor_bytes(y):
            problems.append(f"{name}: bytes differ")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"compared {len(ta)} tensors: {'OK' if not problems else 'MISMATCH'}")
    return 1 if problems else 0


def main(argv):
    command, args = argv[1], argv[2:]
    try:
        if command == "write":
            safetensors_io.save(args[0], sample_tensors(), SAMPLE_METADATA)
            dump(args[0])
        elif command == "dump":
            dump(args[0])
        elif command == "compare":
            return compare(*args)
        else:
            print(f"unknown command {command}", file=sys.stderr)
            return 2
    except safetensors_io.SafetensorsError as e:
        print(f"safetensors_interop.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
