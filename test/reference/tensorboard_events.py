"""tensorboard_events.py - an independent reader of TensorBoard event files.

TensorBoard is not installed here, so the C++ writer (fgrt::train::
TensorBoardWriter) is checked against this reader, written from the format
descriptions only and sharing no code with it:

* TFRecord framing: uint64 length, uint32 masked CRC-32C of the 8 length
  bytes, the data, uint32 masked CRC-32C of the data (little-endian); both
  CRCs are verified. CRC-32C is computed bit by bit here (the C++ side uses a
  table), mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
* A minimal protobuf decoder (varint, fixed64, length-delimited, fixed32)
  and the few fields of Event, Summary, Summary.Value, SummaryMetadata and
  TensorProto that TensorBoard's scalar and text plugins read.

    python3 tensorboard_events.py dump PATH    # an event file, or a directory
                                               # holding exactly one
    python3 tensorboard_events.py crc32c TEXT  # the CRC-32C of TEXT, in hex

`dump` prints one line per event, in the format of fgrt-tb-tool:

    WALL_TIME file_version brain.Event:2
    WALL_TIME scalar STEP TAG VALUE     (VALUE: the float32, "%.9g")
    WALL_TIME text STEP TAG TEXT        (control bytes, '\\' and DEL as \\xNN)

with WALL_TIME as "%.17g". A corrupt or truncated file, or an event that is
not in the layout TensorBoard expects (first event not file_version
"brain.Event:2", a text value without plugin "text" or not a rank-1 DT_STRING
tensor of one string), is an error naming the file: exit status 1.
"""

import os
import struct
import sys

__all__ = ["EventFileError", "crc32c", "masked_crc32c", "read_records", "read_events"]

FILE_VERSION = b"brain.Event:2"
DT_STRING = 7


class EventFileError(Exception):
    """A file that is not a valid TensorBoard event file."""


def crc32c(data):
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_records(data, name):
    """The data of each TFRecord in `data`, both CRCs checked."""
    records, offset = [], 0
    while offset < len(data):
        where = f"{name}: record {len(records)} at offset {offset}"
        if offset + 12 > len(data):
            raise EventFileError(f"{where}: truncated length header")
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (stored,) = struct.unpack("<I", data[offset + 8:offset + 12])
        if stored != masked_crc32c(header):
            raise EventFileError(f"{where}: length CRC mismatch")
        end = offset + 12 + length
        if end + 4 > len(data):
            raise EventFileError(f"{where}: truncated data ({length} bytes announced)")
        payload = data[offset + 12:end]
        (stored,) = struct.unpack("<I", data[end:end + 4])
        if stored != masked_crc32c(payload):
            raise EventFileError(f"{where}: data CRC mismatch")
        records.append(payload)
        offset = end + 4
    return records


def read_varint(data, offset):
    value, shift = 0, 0
    while True:
        if offset >= len(data):
            raise EventFileError("truncated varint")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset
        if shift >= 70:
            raise EventFileError("varint longer than 10 bytes")


def decode_message(data):
    """{field number: [values]}: ints for varints, bytes for the rest."""
    fields, offset = {}, 0
    sizes = {1: 8, 5: 4}
    while offset < len(data):
        key, offset = read_varint(data, offset)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, offset = read_varint(data, offset)
        elif wire_type in sizes or wire_type == 2:
            if wire_type == 2:
                size, offset = read_varint(data, offset)
            else:
                size = sizes[wire_type]
            if offset + size > len(data):
                raise EventFileError(f"field {number} runs past the end of its message")
            value, offset = data[offset:offset + size], offset + size
        else:
            raise EventFileError(f"field {number} has unsupported wire type {wire_type}")
        fields.setdefault(number, []).append(value)
    return fields


def single(fields, number, default=None):
    """The last value of a non-repeated field (protobuf's rule), or default."""
    values = fields.get(number)
    return values[-1] if values else default


def int64(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def text_of(value_fields, tag):
    """The string of a text-plugin Summary.Value, its layout checked."""
    metadata = decode_message(single(value_fields, 9, b""))
    plugin = decode_message(single(metadata, 1, b""))
    if single(plugin, 1) != b"text":
        raise EventFileError(f"tag {tag!r}: a tensor value without the text plugin's metadata")
    tensor = decode_message(single(value_fields, 8, b""))
    shape = decode_message(single(tensor, 2, b""))
    dims = [single(decode_message(dim), 1, 0) for dim in shape.get(2, [])]
    strings = tensor.get(8, [])
    if single(tensor, 1) != DT_STRING or dims != [1] or len(strings) != 1:
        raise EventFileError(f"tag {tag!r}: text is not a rank-1 DT_STRING tensor of one string")
    return strings[0]


def describe_value(value_fields):
    """('scalar', tag, float) or ('text', tag, bytes) of a Summary.Value."""
    tag = single(value_fields, 1, b"").decode("utf-8", errors="backslashreplace")
    if 2 in value_fields:
        return "scalar", tag, struct.unpack("<f", single(value_fields, 2))[0]
    if 8 in value_fields:
        return "text", tag, text_of(value_fields, tag)
    raise EventFileError(f"tag {tag!r}: neither a scalar nor a tensor")


def read_events(path):
    """[(wall_time, kind, step, tag, value)] of an event file; the first is
    ('file_version', 0, None, b'brain.Event:2')."""
    with open(path, "rb") as file:
        records = read_records(file.read(), path)
    events = []
    for index, record in enumerate(records):
        try:
            event = decode_message(record)
            wall_time = struct.unpack("<d", single(event, 1, bytes(8)))[0]
            step = int64(single(event, 2, 0))
            if index == 0:
                version = single(event, 3)
                if version != FILE_VERSION:
                    raise EventFileError(f"the first event's file_version is {version!r}, not {FILE_VERSION!r}")
                events.append((wall_time, "file_version", step, None, version))
                continue
            summary = decode_message(single(event, 5, b""))
            for value in summary.get(1, []):
                kind, tag, payload = describe_value(decode_message(value))
                events.append((wall_time, kind, step, tag, payload))
        except EventFileError as error:
            raise EventFileError(f"{path}: event {index}: {error}") from None
    if not events:
        raise EventFileError(f"{path}: no events (not even file_version)")
    return events


def escaped(data):
    """Bytes with control bytes, backslash and DEL as \\xNN."""
    return b"".join(b"\\x%02x" % byte if byte < 0x20 or byte in (0x5C, 0x7F) else bytes([byte]) for byte in data)


def dump_line(wall_time, kind, step, tag, value):
    time = b"%.17g" % wall_time
    if kind == "file_version":
        return time + b" file_version " + value
    tag_bytes = escaped(tag.encode("utf-8"))
    if kind == "scalar":
        return time + b" scalar %d " % step + tag_bytes + b" %.9g" % value
    return time + b" text %d " % step + tag_bytes + b" " + escaped(value)


def event_file_in(path):
    if not os.path.isdir(path):
        return path
    names = sorted(name for name in os.listdir(path) if "tfevents" in name)
    if len(names) != 1:
        raise EventFileError(f"{path}: expected one event file, found {len(names)}: {names}")
    return os.path.join(path, names[0])


def main(argv):
    if len(argv) == 3 and argv[1] == "crc32c":
        print("%08x" % crc32c(argv[2].encode("utf-8")))
        return 0
    if len(argv) != 3 or argv[1] != "dump":
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    try:
        for event in read_events(event_file_in(argv[2])):
            sys.stdout.buffer.write(dump_line(*event) + b"\n")
    except (EventFileError, OSError) as error:
        print(f"tensorboard_events.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
