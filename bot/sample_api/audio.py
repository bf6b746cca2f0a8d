"""The sample recordings' audio: a few seconds of tone as WAV, made on demand, by any byte range.

Nothing is stored: a byte at any offset is computed from one second of samples, so a test can ask
for a 100 MB recording and the fake streams it without holding it. Each recording gets its own
pitch (from its id), so two recordings do not sound the same.
"""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib
from collections.abc import Iterator

RATE = 8000  # Hz, mono, 16-bit: what telephone audio is
SAMPLE_BYTES = 2
DEFAULT_SECONDS = 3
CHUNK = 64 * 1024
# Each divides RATE, so one second of samples holds whole periods and repeats without a click.
_PITCHES = (250, 320, 400, 500, 800, 1000)


def _header(data_bytes: int) -> bytes:
    """The 44-byte RIFF header of a WAV file holding `data_bytes` of samples (the stdlib writes
    it, so it is right by construction)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_BYTES)
        wav.setframerate(RATE)
        wav.setnframes(data_bytes // SAMPLE_BYTES)
        # Written with no frames, then the header is patched below to the announced size.
    header = bytearray(out.getvalue())
    struct.pack_into("<I", header, 4, 36 + data_bytes)
    struct.pack_into("<I", header, 40, data_bytes)
    return bytes(header)


def _second(pitch: int) -> bytes:
    """One second of the tone: 16-bit little-endian samples."""
    samples = (round(9000 * math.sin(2 * math.pi * pitch * n / RATE)) for n in range(RATE))
    return struct.pack(f"<{RATE}h", *samples)


class ToneWav:
    """A WAV file of `size` bytes (header included), readable by byte range."""

    def __init__(self, recording_id: str, size: int | None = None) -> None:
        data = (size - 44) if size is not None else DEFAULT_SECONDS * RATE * SAMPLE_BYTES
        data = max(0, data - data % SAMPLE_BYTES)
        self.size = 44 + data
        self._head = _header(data)
        pitch = _PITCHES[zlib.crc32(recording_id.encode()) % len(_PITCHES)]
        # Four seconds of tone per chunk at most: big enough to stream 100 MB without
        # thousands of tiny writes, small enough to repeat seamlessly.
        self._second = _second(pitch) * 4

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes `start` to `end` (inclusive; default the last), in chunks of at most 64 KiB."""
        last = self.size - 1 if end is None else min(end, self.size - 1)
        at = start
        while at <= last:
            if at < 44:
                piece = self._head[at : min(44, last + 1)]
            else:
                offset = (at - 44) % len(self._second)
                take = min(CHUNK, last + 1 - at, len(self._second) - offset)
                piece = self._second[offset : offset + take]
            yield piece
            at += len(piece)

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        return b"".join(self.chunks(start, end))


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """A `Range: bytes=…` header against a file of `size` bytes: (first, last) to serve; None to
    serve the whole file (no header, or one this fake ignores, as servers may); "unsatisfiable"."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multiple ranges: the whole file, as RFC 9110 allows
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first_text:  # the last N bytes
            count = int(last_text)
            if count <= 0:
                return "unsatisfiable"
            return max(0, size - count), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size:
        return "unsatisfiable"
    if first < 0 or last < first:
        return None
    return first, min(last, size - 1)
