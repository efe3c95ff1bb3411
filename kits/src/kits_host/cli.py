"""`kits`: the host tool for the MLSysBook hardware kits."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np

from . import BOARDS_DIR, KITS_ROOT, datasets
from .boards import MCU_BOARDS, UnknownBoardError, mcu_board
from .device import Board, BoardError
from .protocol import Hello, InputKind, MsgType, ProtocolError, Result, parse_error, parse_samples

# USB vendor:product ids from the PlatformIO board manifests (build.hwids) of each board.
KNOWN_USB_IDS = {
    (0x2341, 0x005A): "nano33ble", (0x2341, 0x805A): "nano33ble",
    (0x2341, 0x035F): "nicla_vision", (0x2341, 0x025F): "nicla_vision",
    (0x2886, 0x0056): "xiao_esp32s3", (0x2886, 0x8056): "xiao_esp32s3",
}
MODELS_DIR = KITS_ROOT / "models"


def fail(message: str) -> None:
    raise click.ClickException(message)


@click.group()
@click.version_option(package_name="mlsysbook-kits")
def main() -> None:
    """Host tool for the MLSysBook hardware kits: find boards, watch them, record data,
    run inference on a board, export models and flash firmware."""


@main.command()
def ports() -> None:
    """List serial ports, marking the kit boards."""
    from serial.tools import list_ports

    found = list(list_ports.comports())
    if not found:
        click.echo("no serial ports found; plug the board in with a data (not charge-only) USB cable")
        return
    for port in found:
        board = KNOWN_USB_IDS.get((port.vid, port.pid)) if port.vid is not None else None
        mark = f"  <- {MCU_BOARDS[board].name}" if board else ""
        click.echo(f"{port.device}\t{port.description}\t{port.hwid}{mark}")


def _describe(frame, labels: list[str]) -> str:
    if frame.type == MsgType.HELLO:
        h = Hello.parse(frame.body)
        return (f"HELLO board={h.board} protocol=v{h.protocol_version} model-format=v{h.model_format_version} "
                f"model=0x{h.model_hash:08x} input={InputKind(h.input_kind).name.lower()} "
                f"{h.input_samples}x{h.input_axes} labels={','.join(h.labels)}")
    if frame.type == MsgType.RESULT:
        r = Result.parse(frame.body)
        name = labels[r.label_index] if r.label_index < len(labels) else str(r.label_index)
        source = {0: "self-test", 1: "request", 2: "live"}.get(r.source, str(r.source))
        return f"RESULT {source} #{r.clip}: {name} p={r.probabilities()[r.label_index]:.2f} latency={r.latency_us} us"
    if frame.type == MsgType.LOG:
        return f"LOG {frame.body.decode(errors='replace')}"
    if frame.type == MsgType.ERROR:
        code, text = parse_error(frame.body)
        return f"ERROR {code}: {text}"
    if frame.type == MsgType.SAMPLES:
        channels, values = parse_samples(frame.body)
        return f"SAMPLES {len(values) // channels} x {channels}"
    return f"frame type 0x{frame.type:02x} ({len(frame.body)} bytes)"


@main.command()
@click.argument("port")
@click.option("--seconds", type=float, default=None, help="Stop after this long (default: until Ctrl-C).")
@click.option("--baud", default=115200, show_default=True)
@click.option("--silence", type=float, default=5.0, show_default=True,
              help="Warn when nothing arrives for this many seconds.")
def monitor(port: str, seconds: float | None, baud: int, silence: float) -> None:
    """Print the frames a board sends (HELLO, LOG, RESULT, ERROR)."""
    board = _open(port, baud)
    labels: list[str] = []
    start = last = time.monotonic()
    warned = False
    try:
        board.send(MsgType.PING)
        while seconds is None or time.monotonic() - start < seconds:
            frames = board.poll()
            if board.corrupt_frames:
                click.echo(f"corrupt frame dropped: {board.last_corruption}", err=True)
                board.corrupt_frames = 0
            for frame in frames:
                last, warned = time.monotonic(), False
                try:
                    if frame.type == MsgType.HELLO:
                        labels = list(Hello.parse(frame.body).labels)
                    click.echo(_describe(frame, labels))
                except (ProtocolError, ValueError) as exc:
                    click.echo(f"malformed frame type 0x{frame.type:02x}: {exc}", err=True)
            if not warned and time.monotonic() - last > silence:
                click.echo(f"no frames from {port} for {silence:.0f} s: is the kits firmware running?", err=True)
                warned = True
    except KeyboardInterrupt:
        pass
    except BoardError as exc:
        fail(str(exc))
    finally:
        board.close()


def _open(port: str, baud: int, timeout: float = 3.0) -> Board:
    try:
        return Board.open(port, baud, timeout)
    except BoardError as exc:
        fail(str(exc))


@main.command()
@click.argument("port")
@click.option("--label", "-l", required=True, help="Class label of this recording.")
@click.option("--seconds", "-s", type=float, required=True, help="Recording length.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("capture.npz"),
              show_default=True, help="Dataset file; recordings are appended.")
@click.option("--baud", default=115200, show_default=True)
@click.option("--timeout", type=float, default=3.0, show_default=True)
def capture(port: str, label: str, seconds: float, out: Path, baud: int, timeout: float) -> None:
    """Record framed sensor samples from PORT into a dataset file."""
    if seconds <= 0:
        fail("--seconds must be positive")
    with _open(port, baud, timeout) as board:
        try:
            hello = board.hello()
            channels, samples = board.stream(seconds)
        except BoardError as exc:
            fail(str(exc))
    try:
        count = datasets.append_capture(out, label, channels, samples, hello.board)
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"recorded {len(samples)} samples x {channels} channels of '{label}' from {hello.board} "
               f"into {out} ({count} recordings)")


def _load_input(path: Path, index: int) -> np.ndarray:
    suffix = path.suffix.lower()
    try:
        if suffix == ".wav":
            return datasets.load_wav_int16(path)
        if suffix == ".npy":
            return np.load(path)
        if suffix == ".npz":
            recordings = datasets.read_capture(path)
            if not 0 <= index < len(recordings):
                fail(f"{path} holds {len(recordings)} recordings; --index {index} is out of range")
            return recordings[index][1]
        if suffix == ".csv":
            return np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read {path}: {exc}")
    fail(f"{path}: unsupported input type {suffix!r}; use .wav, .npy, .csv or a `kits capture` .npz")


@main.command()
@click.argument("port")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--index", default=0, show_default=True, help="Recording index inside a capture .npz.")
@click.option("--model", "manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The exported .kmodel.json: checks the board runs it and compares with the host reference.")
@click.option("--baud", default=115200, show_default=True)
@click.option("--timeout", type=float, default=10.0, show_default=True)
def infer(port: str, file: Path, index: int, manifest: Path | None, baud: int, timeout: float) -> None:
    """Send a recording to the board, run its model there, print the result."""
    samples = _load_input(file, index)
    reference = None
    with _open(port, baud, timeout) as board:
        try:
            hello = board.hello()
            expected = hello.input_samples * hello.input_axes
            if np.asarray(samples).size > expected:
                click.echo(f"using the first {hello.input_samples} samples of {file.name} (the model's input)",
                           err=True)
                samples = np.asarray(samples).reshape(-1)[:expected]
            if manifest is not None:
                reference = _reference(manifest, hello, samples)
            result = board.infer(samples, hello)
        except BoardError as exc:
            fail(str(exc))
    label = hello.labels[result.label_index]
    probs = ", ".join(f"{name}={p:.2f}" for name, p in zip(hello.labels, result.probabilities()))
    click.echo(f"{label}  ({probs})  latency {result.latency_us} us on {hello.board}")
    if reference is not None:
        same = tuple(int(s) for s in reference) == result.scores
        click.echo("host reference: " + ("identical scores" if same else f"DIFFERENT scores {tuple(reference)}"))
        if not same:
            sys.exit(1)


def _reference(manifest: Path, hello: Hello, samples: np.ndarray) -> np.ndarray:
    from .export import ExportError, QuantizedModel
    from .train import front_end

    try:
        model = QuantizedModel.load(manifest)
    except ExportError as exc:
        fail(str(exc))
    if model.model_hash() != hello.model_hash:
        fail(f"the board runs model 0x{hello.model_hash:08x} but {manifest.name} is 0x{model.model_hash():08x}; "
             "flash the firmware built from this model or pass the matching --model")
    return model.run(front_end(model, np.asarray(samples, np.int16)))


@main.command()
@click.argument("board_key", metavar="BOARD")
@click.option("--lab", type=click.Choice(["kws", "motion", "image"]), default="kws", show_default=True)
@click.option("--port", help="Upload port (default: PlatformIO auto-detects).")
@click.option("--dry-run", is_flag=True, help="Print the PlatformIO command instead of running it.")
def flash(board_key: str, lab: str, port: str | None, dry_run: bool) -> None:
    """Build and upload the firmware for BOARD with PlatformIO (`pio run -t upload`)."""
    try:
        board = mcu_board(board_key)
    except UnknownBoardError as exc:
        fail(str(exc))
    env = board.key if lab == "kws" else f"{board.key}_{lab}"
    if env not in _environments(board.key):
        fail(f"{board.name} has no '{lab}' firmware (environments: {', '.join(_environments(board.key))})")
    cmd = ["pio", "run", "-d", str(BOARDS_DIR / board.key), "-e", env, "-t", "upload"]
    if port:
        cmd += ["--upload-port", port]
    if dry_run:
        click.echo(" ".join(cmd))
        return
    if shutil.which("pio") is None:
        fail("PlatformIO's `pio` is not on PATH; install it with `pip install platformio` (it downloads the "
             f"{board.platform} toolchain on first use), then run: {' '.join(cmd)}")
    sys.exit(subprocess.call(cmd))


def _environments(board_key: str) -> list[str]:
    from .pio_ci import environments

    return environments(board_key)


@main.command("export")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the C model library (default: kits/models/<name>).")
def export_cmd(manifest: Path, out: Path | None) -> None:
    """Write the C model library (for PlatformIO) from an exported .kmodel.json."""
    from .export import ExportError, QuantizedModel, write_model_library

    try:
        model = QuantizedModel.load(manifest)
    except ExportError as exc:
        fail(str(exc))
    folder = write_model_library(model, out or MODELS_DIR / model.name)
    click.echo(f"wrote {model.name} (hash 0x{model.model_hash():08x}, {model.weight_bytes()} B constants, "
               f"{model.arena_bytes} B arena) to {folder}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=MODELS_DIR / "kws" / "kws.kmodel.json", show_default=True, help="Keyword model manifest.")
@click.option("--index", default=0, show_default=True, help="Recording index inside a capture .npz.")
@click.option("--hop-ms", default=250, show_default=True, help="Spacing of the model windows.")
@click.option("--window", default=2, show_default=True, help="Windows averaged before deciding.")
@click.option("--threshold", default=0.59, show_default=True, help="Average probability that reports a keyword.")
@click.option("--suppress", default=4, show_default=True, help="Windows ignored after a detection.")
@click.option("--background", default="silence", show_default=True, help="Label never reported.")
def spot(file: Path, manifest: Path, index: int, hop_ms: int, window: int, threshold: float, suppress: int,
         background: str) -> None:
    """Find keywords in a long recording (.wav, .npy or a `kits capture` .npz): the model runs
    on overlapping windows and kits_kws_post's smoothing and suppression decide (the same
    arithmetic as the C core's kits_kws_post)."""
    from .export import QuantizedModel
    from .kws_post import KeywordPostprocessor, detect, stream_scores

    model = QuantizedModel.load(manifest)
    if model.input_kind != InputKind.AUDIO:
        fail(f"{manifest} is not an audio model")
    if file.suffix.lower() == ".wav":
        try:
            audio = datasets.load_wav_int16(file, length=None)
        except (OSError, ValueError) as exc:
            fail(f"cannot read {file}: {exc}")
    else:
        audio = np.asarray(_load_input(file, index)).reshape(-1)
    if audio.size < model.input_samples:
        fail(f"{file} is shorter than the model's window ({model.input_samples} samples)")
    hop = int(datasets.SAMPLE_RATE * hop_ms / 1000)
    try:
        post = KeywordPostprocessor(len(model.labels), window=window, threshold=round(threshold * 256),
                                    suppress=suppress,
                                    background=model.labels.index(background) if background in model.labels else -1)
    except ValueError as exc:
        fail(str(exc))
    found = detect(stream_scores(model, audio, hop), post)
    for start, label in found:
        click.echo(f"{start * hop / datasets.SAMPLE_RATE:7.2f} s  {model.labels[label]}")
    click.echo(f"{len(found)} keyword(s) in {audio.size / datasets.SAMPLE_RATE:.1f} s")


@main.command("import-tflite")
@click.argument("tflite_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Model name, a C identifier (default: the file name).")
@click.option("--labels", default=None, help="Comma-separated class labels (default: 0, 1, ...).")
@click.option("--kind", type=click.Choice(["image", "imu", "audio"]), default="image", show_default=True,
              help="The front end that feeds the model on the board.")
@click.option("--input-shift", default=0, show_default=True, help="IMU models: raw >> shift -> int8.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the C model library (default: kits/models/<name>).")
def import_tflite(tflite_file: Path, name: str | None, labels: str | None, kind: str, input_shift: int,
                  out: Path | None) -> None:
    """Import an int8 TensorFlow Lite model (.tflite, as the TFLite converter or Edge Impulse
    export it) and write the C model library for PlatformIO."""
    from .export import ExportError, write_model_library
    from .protocol import InputKind
    from .tflite_import import TFLiteImportError, load_tflite

    kinds = {"image": InputKind.IMAGE, "imu": InputKind.IMU, "audio": InputKind.AUDIO}
    try:
        model = load_tflite(tflite_file, name, labels=labels.split(",") if labels else None,
                            input_kind=kinds[kind], input_shift=input_shift)
        folder = write_model_library(model, out or MODELS_DIR / model.name)
    except (TFLiteImportError, ExportError) as exc:
        fail(f"{tflite_file}: {exc}")
    click.echo(f"imported {tflite_file.name}: {len(model.layers)} layers, {model.weight_bytes()} B constants, "
               f"{model.arena_bytes} B arena -> {folder}")


@main.command()
@click.argument("name", type=click.Choice(["kws", "motion", "digits"]))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--seed", default=0, show_default=True)
def train(name: str, out: Path | None, seed: int) -> None:
    """Train a reference model on the synthetic set and export it (needs PyTorch)."""
    from . import train as training

    try:
        model = training.train_and_export(name, out, seed)
    except ImportError:
        fail("training needs PyTorch: pip install 'mlsysbook-kits[train]'")
    m = model.metrics
    click.echo(f"{name}: float accuracy {m['float_accuracy']:.3f}, int8 accuracy {m['int8_accuracy']:.3f}, "
               f"int8/float agreement {m['int8_float_agreement']:.3f} on {m['test_samples']} test clips")


def _reference_models(names):
    from .export import ExportError, QuantizedModel

    try:
        return {n: QuantizedModel.load(MODELS_DIR / n / f"{n}.kmodel.json") for n in names}
    except ExportError as exc:
        fail(str(exc))


MODEL_NAMES = ("kws", "motion", "digits")


@main.command()
@click.argument("names", nargs=-1, type=click.Choice(MODEL_NAMES))
def emulate(names) -> None:
    """Build the Cortex-M4 firmware for each model, run it in QEMU (mps2-an386) and check
    its classifications against the host reference."""
    from . import firmware
    from .native import ToolchainError

    mismatches = 0
    for name, model in _reference_models(names or MODEL_NAMES).items():
        try:
            image = firmware.build_qemu_image(model)
            run = firmware.run_selftest(image)
        except (ToolchainError, TimeoutError, RuntimeError) as exc:
            fail(str(exc))
        reference = firmware.reference_predictions(model, image.clips)
        truth = firmware.selftest_truth(model)
        click.echo(f"{name}: {len(run.results)} clips on qemu-mps2-an386 ({run.wall_s:.1f} s wall)")
        for result, (ref_index, ref_scores), true in zip(run.results, reference, truth):
            same = (result.label_index, result.scores) == (ref_index, ref_scores)
            mismatches += not same
            click.echo(f"  clip {result.clip:2d}: board {model.labels[result.label_index]:>8s}  "
                       f"reference {model.labels[ref_index]:>8s}  truth {model.labels[true]:>8s}  "
                       f"{'match' if same else 'MISMATCH'}  {result.latency_us / 1000:.2f} M instructions")
    if mismatches:
        fail(f"{mismatches} result(s) differ from the host reference")


@main.command()
@click.argument("names", nargs=-1, type=click.Choice(MODEL_NAMES))
def size(names) -> None:
    """Flash and RAM of each firmware image against each board's limits, in KiB. Cortex-M4 and
    M7 images are built and measured (arm-none-eabi-size); other CPUs are marked as estimates."""
    from rich.console import Console
    from rich.table import Table

    from . import firmware
    from .native import ToolchainError

    table = Table(title="Firmware size in KiB (core + app + model; self-test clips excluded)")
    for column in ("model", "board", "flash KiB / app limit", "RAM KiB / app limit", "MCU flash / SRAM KiB",
                   "fits", "how"):
        table.add_column(column, justify="left" if column in ("model", "board", "how") else "right")
    for name, model in _reference_models(names or MODEL_NAMES).items():
        try:
            rows = firmware.board_size_rows(model)
        except ToolchainError as exc:
            fail(str(exc))
        for row in rows:
            estimate = "" if row["measured"] else "~"
            table.add_row(name, row["board"],
                          f"{estimate}{firmware.kib(row['flash_bytes'])} / {firmware.kib(row['app_flash_limit'])}"
                          f" ({row['flash_pct']:.1f}%)",
                          f"{estimate}{firmware.kib(row['ram_bytes'])} / {firmware.kib(row['app_ram_limit'])}"
                          f" ({row['ram_pct']:.1f}%)",
                          f"{firmware.kib(row['mcu_flash'])} / {firmware.kib(row['mcu_sram'])}",
                          "yes" if row["fits"] else "NO", row["method"])
    Console(width=170).print(table)
    click.echo("~ marks an estimate. Limits: the application flash/RAM PlatformIO allows for the board's "
               "Arduino core; MCU totals from the mlsysim catalog.")


@main.command()
@click.argument("name", type=click.Choice(MODEL_NAMES))
@click.option("--seconds", type=float, default=None, help="Stop after this long (default: until Ctrl-C).")
def sim(name: str, seconds: float | None) -> None:
    """Run the firmware, compiled for this computer, as a simulated board on a pseudo-terminal."""
    from . import firmware
    from .native import ToolchainError
    from .sim import start_simulated_board

    (model,) = _reference_models([name]).values()
    try:
        board = start_simulated_board(firmware.build_host_sim(model))
    except ToolchainError as exc:
        fail(str(exc))
    click.echo(f"simulated board running {name} on {board.port}; try: kits monitor {board.port}")
    try:
        deadline = None if seconds is None else time.monotonic() + seconds
        while board.process.poll() is None and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        board.close()


@main.command("train-capture")
@click.argument("capture_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(["audio", "imu", "image"]), required=True,
              help="What the recordings hold (audio: 16 kHz mono; imu: 6 axes; image: 32x32 frames).")
@click.option("--name", required=True, help="Model name (a C identifier, e.g. gestures or person).")
@click.option("--epochs", default=30, show_default=True)
@click.option("--side", default=32, show_default=True, help="Image models: input side (divides 32).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the C model library (default: kits/models/<name>).")
def train_capture(capture_file: Path, kind: str, name: str, epochs: int, side: int, out: Path | None) -> None:
    """Train a model on your own `kits capture` recordings and export it for the firmware."""
    from .export import ExportError, write_model_library
    from .train import train_from_capture

    folder = out or MODELS_DIR / name
    try:
        model = train_from_capture(capture_file, name, kind, folder, epochs, image_side=side)
    except ImportError:
        fail("training needs PyTorch: pip install 'mlsysbook-kits[train]'")
    except (ValueError, ExportError) as exc:
        fail(str(exc))
    write_model_library(model, folder)
    m = model.metrics
    click.echo(f"{name}: {len(model.labels)} classes {model.labels}; int8 accuracy {m['int8_accuracy']:.3f} on "
               f"{m['test_samples']} held-out examples; C library in {folder}")


@main.group()
def linux() -> None:
    """Linux-board labs (Raspberry Pi 4/5, Jetson Orin Nano): latency, throughput, memory."""


def _report(result, as_json: bool) -> None:
    click.echo(result.to_json() if as_json else result.summary())
    if not as_json:
        for key, value in result.extra.items():
            click.echo(f"  {key}: {value:.3g}" if isinstance(value, float) else f"  {key}: {value}")


@linux.command("vision")
@click.option("--task", type=click.Choice(["classify", "detect"]), default="classify", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--batch", default=1, show_default=True)
@click.option("--size", default=96, show_default=True, help="Input resolution (square).")
@click.option("--source", type=click.Choice(["synthetic", "camera"]), default="synthetic", show_default=True)
@click.option("--weights", type=click.Path(exists=True, dir_okay=False), help="A trained state dict.")
@click.option("--threads", type=int, help="CPU threads (torch.set_num_threads).")
@click.option("--iterations", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def linux_vision(task, device, batch, size, source, weights, threads, iterations, as_json) -> None:
    """Image classification or object detection benchmark."""
    from .linux.vision import VisionConfig, benchmark

    if batch < 1 or size < 32 or iterations < 1:
        fail("need --batch >= 1, --size >= 32 and --iterations >= 1")
    try:
        result = benchmark(VisionConfig(task, device, batch, size, source, weights, threads, iterations))
    except RuntimeError as exc:
        fail(str(exc))
    _report(result, as_json)


@linux.command("train-detector")
@click.option("--steps", default=400, show_default=True)
@click.option("--batch", default=32, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("detector.pt"),
              show_default=True)
def linux_train_detector(steps: int, batch: int, out: Path) -> None:
    """Train the grid detector on synthetic shapes (CPU); load it with `vision --task detect --weights`."""
    import numpy as np
    import torch

    from .linux.vision import recall_at_iou, synthetic_scene, train_detector

    if steps < 1 or batch < 1:
        fail("need --steps >= 1 and --batch >= 1")
    det, losses = train_detector(steps=steps, batch=batch)
    torch.save(det.net.state_dict(), out)
    scenes = [synthetic_scene(np.random.default_rng(10_000 + i), 96) for i in range(50)]
    click.echo(f"loss {np.mean(losses[:10]):.3f} -> {np.mean(losses[-10:]):.3f}; recall at IoU 0.5 on 50 new "
               f"scenes: {recall_at_iou(det, scenes, 96):.2f}; weights in {out}")


@linux.command("llm")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--prompt-tokens", default=64, show_default=True)
@click.option("--new-tokens", default=64, show_default=True)
@click.option("--repeats", default=3, show_default=True)
@click.option("--hf", type=click.Path(exists=True, file_okay=False), help="Local Hugging Face model folder.")
@click.option("--threads", type=int)
@click.option("--json", "as_json", is_flag=True)
def linux_llm(device, prompt_tokens, new_tokens, repeats, hf, threads, as_json) -> None:
    """Small language model: time to first token and decode tokens/s."""
    from .linux.llm import LLMConfig, benchmark

    if prompt_tokens < 1 or new_tokens < 2 or repeats < 1:
        fail("need --prompt-tokens >= 1, --new-tokens >= 2 and --repeats >= 1")
    if hf is None and prompt_tokens + new_tokens > 512:
        fail("the built-in model holds 512 tokens; lower --prompt-tokens/--new-tokens")
    try:
        result = benchmark(LLMConfig(device, prompt_tokens, new_tokens, repeats, hf, threads))
    except RuntimeError as exc:
        fail(str(exc))
    _report(result, as_json)


@main.command()
@click.option("--check", is_flag=True, help="Fail if the committed tables differ from the generator.")
def tables(check: bool) -> None:
    """Regenerate kits/core/src/kits_feature_tables.c from the Python front end."""
    from . import CORE_DIR
    from .features import render_tables_c

    path = CORE_DIR / "src" / "kits_feature_tables.c"
    text = render_tables_c()
    if check:
        if path.read_text() != text:
            fail(f"{path} is stale; run `kits tables`")
        click.echo(f"{path} is up to date")
        return
    path.write_text(text)
    click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
