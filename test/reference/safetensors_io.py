"""safetensors_io.py - a pure-Python .safetensors reader and writer on torch.

PyTorch reference implementations use this to exchange weights and results
with the C++ tests (fgcc::safetensors in stdlib-templates/modelsrc), because
the `safetensors` package is not available here.

    tensors, metadata = load(path)
    save(path, tensors, metadata=None)

It follows the same rules as the C++ code, so a file either side accepts the
other accepts too, and both writers produce identical bytes for the same
input: compact JSON with "__metadata__" first and tensors in name order,
padded with spaces so the data starts 8-byte aligned, written atomically.
Supported dtypes: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL.
"""

import itertools
import json
import os
import struct
import sys

import torch

__all__ = ["SafetensorsError", "load", "save"]

# Tensor bytes are copied verbatim; the format is little-endian.
assert sys.byteorder == "little", "safetensors_io needs a little-endian host"

DTYPES = {
    "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}
ITEM_SIZES = {name: torch.empty((), dtype=dtype).element_size() for name, dtype in DTYPES.items()}

# The reference implementation's bound; a longer header is a corrupt length.
MAX_HEADER_BYTES = 100_000_000


class SafetensorsError(ValueError):
    """A file that cannot be read or tensors that cannot be written; the
    message starts with the path, like the C++ fgcc::safetensors::Error."""


# ---------------------------------------------------------------------------
# Reading

def _unique_object(pairs):
    # Duplicate keys mean different things to different readers: refuse them.
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _reject_constant(name):
    raise ValueError(f"bad JSON in header: {name} is not allowed")


def _check_text(text, what):
    # json.loads accepts lone surrogate escapes, which are not Unicode text.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid Unicode") from None


def _parse_header(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"header is not UTF-8 (header byte {e.start})") from None
    try:
        header = json.loads(text, object_pairs_hook=_unique_object, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"bad JSON in header: {e.msg} at header character {e.pos}") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header


def _unsigned(value, what):
    # bool is an int subclass in Python; JSON true is not a number.
    if type(value) is not int or value < 0:
        raise ValueError(f"{what} must be a non-negative integer")
    return value


# One tensor entry, checked on its own: required fields, a known dtype, a
# shape whose byte count equals the span of the offsets.  Returns a tuple
# (name, dtype, shape, begin, end).
def _read_entry(name, info):
    where = f"tensor {name!r}"
    _check_text(name, "a tensor name")
    if not isinstance(info, dict):
        raise ValueError(f"{where}: entry is not a JSON object")
    for key in ("dtype", "shape", "data_offsets"):
        if key not in info:
            raise ValueError(f'{where}: missing "{key}"')
    dtype = info["dtype"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ValueError(f"{where}: unknown or unsupported dtype {dtype!r}")
    if not isinstance(info["shape"], list):
        raise ValueError(f'{where}: "shape" is not an array')
    shape = [_unsigned(d, f'{where}: a "shape" entry') for d in info["shape"]]
    offsets = info["data_offsets"]
    if not isinstance(offsets, list) or len(offsets) != 2:
        raise ValueError(f'{where}: "data_offsets" is not an array of two integers')
    begin, end = (_unsigned(o, f'{where}: "data_offsets"') for o in offsets)
    if begin > end:
        raise ValueError(f'{where}: "data_offsets" end before they begin')
    needed = ITEM_SIZES[dtype]
    for d in shape:
        needed *= d
    if needed != end - begin:
        raise ValueError(f'{where}: shape {_shape_text(shape)} of {dtype} needs {needed} bytes '
                         f'but "data_offsets" [{begin},{end}] span {end - begin}')
    return name, dtype, shape, begin, end


def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _read_metadata(value):
    if not isinstance(value, dict):
        raise ValueError('"__metadata__" is not a JSON object')
    for key, item in value.items():
        _check_text(key, "a metadata key")
        if not isinstance(item, str):
            raise ValueError(f'"__metadata__" value of {key!r} is not a string')
        _check_text(item, f"the metadata value of {key!r}")
    return dict(value)


def _check_layout(entries, data_size):
    # The tensors must tile the data section exactly: no overlaps, no holes.
    covered, previous = 0, None
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if end > data_size:
            raise ValueError(f'tensor {name!r}: "data_offsets" [{begin},{end}] go beyond the '
                             f"{data_size}-byte data section (truncated file?)")
        if begin < covered:
            raise ValueError(f'tensor {name!r}: "data_offsets" [{begin},{end}] overlap tensor {previous!r}')
        if begin > covered:
            raise ValueError(f"data bytes [{covered},{begin}) belong to no tensor")
        covered, previous = end, name
    if covered != data_size:
        raise ValueError(f"{data_size - covered} bytes after the last tensor belong to no tensor")


# A tensor that owns a copy of `chunk`; bool bytes other than 0/1 are refused
# because torch would carry them around as undefined values.
def _tensor_from_bytes(name, dtype, shape, chunk):
    torch_dtype = DTYPES[dtype]
    if len(chunk) == 0:
        return torch.empty(shape, dtype=torch_dtype)
    if dtype == "BOOL" and max(chunk) > 1:
        index = next(i for i, b in enumerate(chunk) if b > 1)
        raise ValueError(f"tensor {name!r}: BOOL element {index} is {chunk[index]}, not 0 or 1")
    # frombuffer shares the bytearray; clone so the tensor owns its memory.
    raw = torch.frombuffer(bytearray(chunk), dtype=torch.uint8)
    return raw.view(torch_dtype).reshape(shape).clone()


# The whole file: length field, header, layout; tensors only after all of the
# header has been validated against the file size.
def _decode(blob):
    if len(blob) < 8:
        raise ValueError(f"file is {len(blob)} bytes, too short for the 8-byte header length (truncated?)")
    (header_bytes,) = struct.unpack("<Q", blob[:8])
    if header_bytes > MAX_HEADER_BYTES:
        raise ValueError(f"header length {header_bytes} is over the {MAX_HEADER_BYTES}-byte limit "
                         "(corrupt length field?)")
    if header_bytes > len(blob) - 8:
        raise ValueError(f"header length {header_bytes} goes beyond the end of the {len(blob)}-byte file "
                         "(truncated?)")
    header = _parse_header(blob[8:8 + header_bytes])
    metadata = _read_metadata(header.pop("__metadata__")) if "__metadata__" in header else {}
    entries = [_read_entry(name, info) for name, info in header.items()]
    data = memoryview(blob)[8 + header_bytes:]
    _check_layout(entries, len(data))
    tensors = {name: _tensor_from_bytes(name, dtype, shape, data[begin:end])
               for name, dtype, shape, begin, end in entries}
    return dict(sorted(tensors.items())), metadata


def load(path):
    """Reads `path`; returns (dict name -> CPU tensor, dict metadata).
    Raises SafetensorsError, naming the file, for truncated or corrupt input."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            blob = f.read()
        return _decode(blob)
    except OSError as e:
        raise SafetensorsError(f"{path}: cannot open: {e.strerror}") from None
    except ValueError as e:
        raise SafetensorsError(f"{path}: {e}") from None


# ---------------------------------------------------------------------------
# Writing

def _tensor_bytes(tensor):
    t = tensor.detach().cpu().resolve_conj().resolve_neg().contiguous()
    # reshape(-1) first: a 0-d tensor cannot be viewed as bytes directly.
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


def _json_string(text):
    # Same escaping as serde_json and the C++ writer: short escapes, \u00XX
    # for other control characters, everything else (non-ASCII too) as is.
    return json.dumps(text, ensure_ascii=False)


# Validates everything before any file is created, so a refused save never
# touches the disk; sorted() on str is code-point order, which is the byte
# order of the UTF-8 names that the C++ writer (std::map) uses.
def _prepare(tensors):
    prepared = []
    for name in sorted(tensors):
        tensor = tensors[name]
        where = f"tensor {name!r}"
        if not isinstance(name, str):
            raise ValueError(f"{where}: names must be str")
        _check_text(name, "a tensor name")
        if name == "__metadata__":
            raise ValueError('a tensor cannot be named "__metadata__"')
        if not isinstance(tensor, torch.Tensor) or tensor.layout != torch.strided:
            raise ValueError(f"{where} is not a dense (strided) tensor")
        if tensor.dtype not in DTYPE_NAMES:
            raise ValueError(f"{where}: dtype {tensor.dtype} is not supported")
        prepared.append((name, DTYPE_NAMES[tensor.dtype], list(tensor.shape), _tensor_bytes(tensor)))
    return prepared


# Byte-identical to the C++ buildHeader(): "__metadata__" first, compact
# separators, then spaces to a multiple of 8 bytes.
def _header(prepared, metadata):
    parts = []
    if metadata:
        items = []
        for key in sorted(metadata):
            value = metadata[key]
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError("metadata keys and values must be str")
            _check_text(key, "a metadata key")
            _check_text(value, f"the metadata value of {key!r}")
            items.append(f"{_json_string(key)}:{_json_string(value)}")
        parts.append('"__metadata__":{' + ",".join(items) + "}")
    offset = 0
    for name, dtype, shape, data in prepared:
        parts.append(f'{_json_string(name)}:{{"dtype":"{dtype}","shape":{_shape_text(shape)},'
                     f'"data_offsets":[{offset},{offset + len(data)}]}}')
        offset += len(data)
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    return header + b" " * (-len(header) % 8)


_temp_counter = itertools.count()


def _create_temporary(path):
    # A hidden name beside the target, created exclusively; mode 0666 lets
    # the umask decide permissions, as for any new file (like the C++ code).
    directory, base = os.path.split(path)
    while True:
        temp = os.path.join(directory, f".{base}.tmp-{os.getpid()}-{next(_temp_counter)}")
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue


def _write_atomically(path, chunks):
    temp, fd = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    # Make the rename itself durable.
    dir_fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save(path, tensors, metadata=None):
    """Writes `tensors` (dict name -> tensor; made contiguous, on CPU) and the
    optional `metadata` (dict str -> str) to `path`, atomically.  Raises
    SafetensorsError, naming the file, and leaves an existing file untouched
    when the tensors cannot be written."""
    path = os.fspath(path)
    try:
        prepared = _prepare(tensors)
        header = _header(prepared, metadata or {})
        _write_atomically(path, [struct.pack("<Q", len(header)), header] + [data for *_, data in prepared])
    except OSError as e:
        raise SafetensorsError(f"{path}: cannot write: {e.strerror}") from None
    except ValueError as e:
        raise SafetensorsError(f"{path}: {e}") from None
