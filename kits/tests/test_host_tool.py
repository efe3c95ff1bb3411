"""`kits` end to end: against the firmware compiled for the host on a pty, against the
QEMU board's UART on a pty, and against misbehaving fake boards."""

import os
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

from kits_host import datasets, firmware, protocol
from kits_host.cli import main
from kits_host.device import Board, BoardTimeout, ModelVersionError
from kits_host.protocol import Hello, MsgType

from kits_host import KITS_ROOT
from kits_host.sim import open_raw_pty as raw_pty

MODELS = KITS_ROOT / "models"


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def clip_files(tmp_path, models):
    files = {}
    for name, model in models.items():
        clips = firmware.selftest_clips(model)
        path = tmp_path / f"{name}.npy"
        np.save(path, clips[3])
        files[name] = (path, clips[3], firmware.reference_predictions(model, clips[3:4])[0])
    return files


@pytest.mark.parametrize("name", ["kws", "motion"])
def test_infer_on_simulated_board_matches_reference(sim_board, clip_files, name):
    port = sim_board(name)
    path, clip, (label_index, scores) = clip_files[name]
    result = run_cli("infer", port, path, "--model", MODELS / name / f"{name}.kmodel.json", "--timeout", 5)
    assert result.exit_code == 0, result.output
    labels = (datasets.KWS_LABELS if name == "kws" else datasets.MOTION_LABELS)
    assert result.output.startswith(labels[label_index])
    assert "host reference: identical scores" in result.output


def test_infer_over_qemu_uart(qemu_pty, clip_files):
    port = qemu_pty("motion")
    path, clip, (label_index, scores) = clip_files["motion"]
    result = run_cli("infer", port, path, "--model", MODELS / "motion" / "motion.kmodel.json", "--timeout", 10)
    assert result.exit_code == 0, result.output
    assert "identical scores" in result.output and "qemu-mps2-an386" in result.output
    assert result.output.startswith(datasets.MOTION_LABELS[label_index])


def test_monitor_greets_the_simulated_board(sim_board):
    port = sim_board("motion")
    result = run_cli("monitor", port, "--seconds", 1.0)
    assert result.exit_code == 0
    assert "HELLO board=host-sim protocol=v1 model-format=v1" in result.output
    assert "labels=idle,wave,shake,circle" in result.output


def test_capture_records_the_streamed_sensor(sim_board, tmp_path, models):
    port = sim_board("motion")
    out = tmp_path / "gestures.npz"
    result = run_cli("capture", port, "--label", "wave", "--seconds", 1.5, "--out", out)
    assert result.exit_code == 0, result.output
    assert run_cli("capture", port, "--label", "idle", "--seconds", 0.6, "--out", out).exit_code == 0
    recordings = datasets.read_capture(out)
    assert [label for label, _ in recordings] == ["wave", "idle"]
    # A recording longer than the model's window is cut to its first window.
    result = run_cli("infer", port, out, "--index", 0, "--model", MODELS / "motion" / "motion.kmodel.json")
    assert result.exit_code == 0 and "identical scores" in result.output, result.output
    first = recordings[0][1]
    # The emulated IMU replays the self-test clips at 50 Hz: the capture is their prefix.
    clips = firmware.selftest_clips(models["motion"]).reshape(-1, 6)
    assert first.shape[1] == 6 and 40 <= len(first) <= 100
    np.testing.assert_array_equal(first, clips[:len(first)])


def test_wrong_model_manifest_is_refused(sim_board, clip_files):
    port = sim_board("motion")
    path = clip_files["motion"][0]
    result = run_cli("infer", port, path, "--model", MODELS / "kws" / "kws.kmodel.json")
    assert result.exit_code != 0
    assert "the board runs model" in result.output and "--model" in result.output


def test_input_of_wrong_length_is_refused_before_sending(sim_board, tmp_path):
    port = sim_board("motion")
    np.save(tmp_path / "short.npy", np.zeros(10, np.int16))
    result = run_cli("infer", port, tmp_path / "short.npy")
    assert result.exit_code != 0 and "64 samples x 6 axes" in result.output


def test_board_reports_corrupt_frames_and_recovers(sim_board):
    port = sim_board("motion")
    with Board.open(port, timeout_s=3) as board:
        board.hello()
        bad = bytearray(protocol.encode_frame(MsgType.PING, 1))
        bad[2] ^= 0x11
        board.link.write(bytes(bad))
        # Late boot frames may still be arriving; the board's complaint is the ERROR frame.
        code, text = protocol.parse_error(board.wait_for({MsgType.ERROR}).body)
        assert "corrupt frame dropped (COBS or CRC check failed)" in text
        assert board.hello().board == "host-sim"  # resynchronised on the next delimiter


def test_silent_board_times_out_with_advice():
    master, slave, path = raw_pty()
    try:
        start = time.monotonic()
        result = run_cli("monitor", path, "--seconds", 0.3, "--silence", 0.1)
        assert result.exit_code == 0 and "is the kits firmware running?" in result.output
        with Board.open(path, timeout_s=0.5) as board:
            with pytest.raises(BoardTimeout, match="Is the board powered, flashed with kits firmware"):
                board.hello()
        assert time.monotonic() - start < 5
    finally:
        os.close(master)
        os.close(slave)


class FakeBoard(threading.Thread):
    """Answers every PING with whatever bytes `reply` returns."""

    def __init__(self, reply):
        super().__init__(daemon=True)
        self.master, self.slave, self.path = raw_pty()
        self.reply = reply
        self.stop = False

    def run(self):
        decoder = protocol.FrameDecoder()
        while not self.stop:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            frames, _ = decoder.feed(data)
            for frame in frames:
                if frame.type == MsgType.PING:
                    os.write(self.master, self.reply())

    def close(self):
        self.stop = True
        os.close(self.slave)
        os.close(self.master)


def hello_frame(format_version=protocol.MODEL_FORMAT_VERSION, protocol_version=protocol.PROTOCOL_VERSION):
    body = Hello(protocol_version, format_version, 1, 2, 64, 6, "fake", ("a", "b")).pack()
    return protocol.encode_frame(MsgType.HELLO, 0, body)


def test_model_header_of_another_version_is_a_clear_error(tmp_path):
    fake = FakeBoard(lambda: hello_frame(format_version=2))
    fake.start()
    try:
        with Board.open(fake.path, timeout_s=2) as board:
            with pytest.raises(ModelVersionError, match="format v2, this kits reads v1; re-export"):
                board.hello()
        np.save(tmp_path / "x.npy", np.zeros(384, np.int16))
        result = run_cli("infer", fake.path, tmp_path / "x.npy", "--timeout", 2)
        assert result.exit_code != 0 and "re-export the model" in result.output
    finally:
        fake.close()


def test_corrupt_replies_give_a_crc_message_and_no_hang():
    def corrupt():
        frame = bytearray(hello_frame())
        frame[5] ^= 0x01
        return bytes(frame)

    fake = FakeBoard(corrupt)
    fake.start()
    try:
        start = time.monotonic()
        with Board.open(fake.path, timeout_s=1) as board:
            with pytest.raises(BoardTimeout, match=r"corrupt frame\(s\) received \(CRC mismatch"):
                board.hello()
        assert time.monotonic() - start < 5
    finally:
        fake.close()


def test_monitor_prints_every_frame_kind_and_flags_corruption():
    def chatter():
        bad = bytearray(protocol.encode_frame(MsgType.LOG, 9, b"lost"))
        bad[3] ^= 0x20
        return b"".join([
            hello_frame(),
            protocol.encode_frame(MsgType.LOG, 1, b"booted"),
            protocol.encode_frame(MsgType.RESULT, 2, protocol.Result(2, 5, 1, 830, (-128, 100)).pack()),
            protocol.encode_frame(MsgType.ERROR, 3, bytes([1]) + b"RUN sample count differs"),
            bytes(bad),
        ])

    fake = FakeBoard(chatter)
    fake.start()
    try:
        result = run_cli("monitor", fake.path, "--seconds", 0.8)
    finally:
        fake.close()
    out = result.output
    assert "HELLO board=fake" in out and "LOG booted" in out
    assert "RESULT live #5: b p=0.89 latency=830 us" in out
    assert "ERROR 1: RUN sample count differs" in out
    assert "corrupt frame dropped: CRC mismatch" in out


def test_flash_delegates_to_platformio(monkeypatch):
    result = run_cli("flash", "nano33ble", "--lab", "motion", "--dry-run")
    assert result.exit_code == 0
    assert result.output.split()[:3] == ["pio", "run", "-d"]
    assert "-e nano33ble_motion -t upload" in result.output
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run_cli("flash", "xiao_esp32s3")
    assert result.exit_code != 0 and "pip install platformio" in result.output
    result = run_cli("flash", "uno")
    assert result.exit_code != 0 and "choose one of nano33ble, nicla_vision, xiao_esp32s3" in result.output
    result = run_cli("flash", "xiao_esp32s3", "--lab", "motion")
    assert result.exit_code != 0 and "has no 'motion' firmware" in result.output


def test_ports_lists_without_crashing():
    result = run_cli("ports")
    assert result.exit_code == 0


def test_sim_command_serves_a_board_until_the_deadline():
    import re
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "kits_host.cli", "sim", "motion", "--seconds", "20"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = re.search(r"on (/dev/pts/\d+);", line).group(1)
        with Board.open(port, timeout_s=5) as board:
            assert board.hello().labels == ("idle", "wave", "shake", "circle")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
