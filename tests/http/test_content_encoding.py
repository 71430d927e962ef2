"""``ContentDecoder``: the bytes back, however the raw body is split, in
steps of at most ``STEP`` bytes (the bound ``fetch`` relies on)."""

from __future__ import annotations

import zlib

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from approute.http.content_encoding import STEP, ContentDecoder


def _compress(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


ENCODERS = {
    "gzip": lambda data: _compress(data, 31),
    "x-gzip": lambda data: _compress(data, 31),
    "deflate": lambda data: _compress(data, 15),
    "raw-deflate": lambda data: _compress(data, -15),
    "gzip, deflate": lambda data: _compress(_compress(data, 31), 15),
    "identity": lambda data: data,
}
HEADER = {"raw-deflate": "deflate"}


def _decode(decoder: ContentDecoder, raw: bytes, cuts: list[int]) -> list[bytes]:
    chunks: list[bytes] = []
    start = 0
    for cut in [*sorted(cut % (len(raw) + 1) for cut in cuts), len(raw)]:
        chunks += decoder.decode(raw[start:cut])
        start = max(start, cut)
    return chunks + list(decoder.flush())


@given(
    data=st.binary(max_size=4096) | st.builds(bytes, st.integers(0, 3 * STEP)),
    cuts=st.lists(st.integers(min_value=0), max_size=5),
    coding=st.sampled_from(sorted(ENCODERS)),
)
def test_decodes_whatever_the_split(data: bytes, cuts: list[int], coding: str) -> None:
    raw = ENCODERS[coding](data)
    header = HEADER.get(coding, coding).split(",")
    chunks = _decode(ContentDecoder(header), raw, cuts)
    assert b"".join(chunks) == data
    if coding != "identity":
        assert all(len(chunk) <= STEP for chunk in chunks)


def test_a_bomb_comes_out_in_steps() -> None:
    raw = _compress(bytes(16 * STEP), 31)
    chunks = list(ContentDecoder(["gzip"]).decode(raw))
    assert len(chunks) == 16
    assert {len(chunk) for chunk in chunks} == {STEP}


def test_an_unknown_coding_passes_the_bytes_through() -> None:
    raw = _compress(b"abc", 31)
    assert b"".join(ContentDecoder(["gzip", "br"]).decode(raw)) == raw


def test_bytes_after_the_stream_end_are_ignored() -> None:
    decoder = ContentDecoder(["gzip"])
    assert b"".join(decoder.decode(_compress(b"abc", 31) + b"trailing")) == b"abc"
    assert list(decoder.decode(b"more")) == []


def test_corrupt_data_is_a_decoding_error() -> None:
    with pytest.raises(httpx.DecodingError, match="gzip"):
        list(ContentDecoder(["gzip"]).decode(b"not gzip at all"))
