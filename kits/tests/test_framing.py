"""COBS + CRC framing: C and Python agree, and neither side crashes or hangs on garbage."""

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kits_host import protocol
from kits_host.native import CFrameDecoder, CRing, CImuWindow
from kits_host.protocol import FrameDecoder, FrameError, Hello, MsgType, Result

bodies = st.binary(max_size=protocol.MAX_BODY)


@settings(max_examples=300, deadline=None)
@given(t=st.integers(0, 255), seq=st.integers(0, 255), body=bodies)
def test_c_and_python_encoders_agree(core, t, seq, body):
    encoded = protocol.encode_frame(t, seq, body)
    assert core.frame_build(t, seq, body) == encoded
    assert encoded.count(0) == 1 and encoded.endswith(b"\x00")
    assert protocol.decode_frame(encoded[:-1]) == protocol.Frame(t, seq, body)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_crc_matches_zlib(core, body):
    assert core.crc32(body) == zlib.crc32(body)


@settings(max_examples=150, deadline=None)
@given(frames=st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255), bodies), max_size=4),
       splits=st.lists(st.integers(1, 64), max_size=20))
def test_stream_decoders_recover_every_frame_across_chunking(core, frames, splits):
    wire = b"".join(protocol.encode_frame(*f) for f in frames)
    decoder = FrameDecoder()
    got, errors, pos = [], [], 0
    for size in splits + [len(wire)]:
        f, e = decoder.feed(wire[pos:pos + size])
        got += f
        errors += e
        pos += size
    assert errors == []
    assert [(f.type, f.seq, f.body) for f in got] == frames
    c_events = CFrameDecoder(core).feed(wire)
    assert [e[1] for e in c_events] == frames


@settings(max_examples=500, deadline=None)
@given(garbage=st.binary(max_size=2000))
def test_fuzz_python_parser_never_crashes(garbage):
    frames, errors = FrameDecoder().feed(garbage)
    for frame in frames:  # a random frame can pass the CRC only by its checksum being right
        assert zlib.crc32(bytes([frame.type, frame.seq]) + frame.body) is not None
        for parse in (Hello.parse, Result.parse, protocol.parse_samples, protocol.parse_error):
            try:
                parse(frame.body)
            except protocol.ProtocolError:
                pass
    assert all(isinstance(e, FrameError) for e in errors)


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=1500))
def test_fuzz_c_decoder_never_crashes_and_resynchronises(core, garbage):
    decoder = CFrameDecoder(core)
    decoder.feed(garbage)
    # Whatever came before, a delimiter then a good frame always decodes.
    events = decoder.feed(b"\x00" + protocol.encode_frame(MsgType.PING, 7, b"ok"))
    assert events[-1] == (CFrameDecoder.FRAME, (MsgType.PING, 7, b"ok"))


def test_corrupt_frames_are_reported(core):
    good = protocol.encode_frame(MsgType.LOG, 1, b"hello")
    flipped = bytearray(good)
    flipped[3] ^= 0x40
    frames, errors = FrameDecoder().feed(bytes(flipped) + good)
    assert [f.body for f in frames] == [b"hello"]
    assert len(errors) == 1 and "CRC mismatch" in str(errors[0])
    events = CFrameDecoder(core).feed(bytes(flipped) + good)
    assert [s for s, _ in events] == [CFrameDecoder.CORRUPT, CFrameDecoder.FRAME]
    with pytest.raises(FrameError, match="shorter"):
        protocol.decode_frame(b"\x03ab")


def test_oversized_frames_are_dropped_not_buffered(core):
    decoder = FrameDecoder()
    frames, errors = decoder.feed(b"\x01" * 5000 + b"\x00" + protocol.encode_frame(MsgType.PING, 0))
    assert len(frames) == 1 and "longer than" in str(errors[0])
    assert len(decoder._buffer) == 0
    events = CFrameDecoder(core).feed(b"\x01" * 5000 + b"\x00")
    assert events == [(CFrameDecoder.OVERFLOW, None)]
    with pytest.raises(ValueError, match="exceeds"):
        protocol.encode_frame(MsgType.LOG, 0, b"x" * (protocol.MAX_BODY + 1))


def test_message_bodies_round_trip_and_reject_bad_lengths():
    hello = Hello(1, 1, 0xDEADBEEF, 1, 16000, 1, "qemu-mps2-an386", ("silence", "rise"))
    assert Hello.parse(hello.pack()) == hello
    result = Result(Result.HOST_REQUEST, 3, 1, 1234, (-128, 127))
    assert Result.parse(result.pack()) == result
    assert result.probabilities() == [0.0, 255 / 256]
    with pytest.raises(protocol.ProtocolError, match="announces 2 labels"):
        Hello.parse(hello.pack() + b"\nextra")
    with pytest.raises(protocol.ProtocolError, match="announces 2 scores"):
        Result.parse(result.pack()[:-1])
    with pytest.raises(protocol.ProtocolError, match="out of range"):
        Result.parse(struct.pack("<BHBIB", 0, 0, 5, 0, 2) + b"\x00\x00")
    assert protocol.parse_samples(protocol.pack_samples(3, [1, -2, 3])) == (3, (1, -2, 3))
    with pytest.raises(protocol.ProtocolError, match="multiple of 2"):
        protocol.parse_samples(protocol.pack_samples(2, [1, 2, 3]))


def test_ring_buffer_wraps_and_never_overwrites(core):
    assert CRing(core, 6).status == -1  # not a power of two
    ring = CRing(core, 8)
    assert ring.status == 0
    assert ring.push(b"abcdef") == 6
    assert ring.pop(4) == b"abcd"
    assert ring.push(b"ghijklmn") == 6  # only 6 free slots
    assert ring.count() == 8
    assert ring.pop(100) == b"efghijkl"
    assert ring.pop(1) == b""


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=40))
def test_ring_buffer_behaves_like_a_queue(core, ops):
    ring, model, counter = CRing(core, 16), bytearray(), 0
    for is_push, n in ops:
        if is_push:
            data = bytes((counter + i) % 256 for i in range(n))
            counter += n
            accepted = ring.push(data)
            assert accepted == min(n, 16 - len(model))
            model += data[:accepted]
        else:
            got = ring.pop(n)
            assert got == bytes(model[:n])
            del model[:n]


def test_imu_window_hops_and_orders_oldest_first(core):
    assert CImuWindow(core, 2, 4, 5).status == -1  # hop longer than the window
    w = CImuWindow(core, 2, 4, 2)
    ready = [w.push([i * 256, -i * 256]) for i in range(8)]
    assert ready == [False, False, False, True, False, True, False, True]
    window = w.read_s8(8)
    assert window[:, 0].tolist() == [4, 5, 6, 7] and window[:, 1].tolist() == [-4, -5, -6, -7]
    from kits_host.native import imu_window_read_s16
    assert imu_window_read_s16(w)[:, 0].tolist() == [1024, 1280, 1536, 1792]
    w2 = CImuWindow(core, 1, 2, 1)
    w2.push([32767])
    w2.push([-32768])
    assert w2.read_s8(0).reshape(-1).tolist() == [127, -128]  # saturates instead of wrapping
