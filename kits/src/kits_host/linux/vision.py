"""Image classification and object detection from a camera (or generated frames).

Models: a small MobileNet-style classifier and a single-shot grid detector, both plain
PyTorch so they run on a Pi's CPU or a Jetson's GPU unchanged. `--weights` loads a
state dict you trained; without it the weights are random, which is enough to measure
cost (latency does not depend on the values) but not to judge accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def frame_source(kind: str, size: int, seed: int = 0, camera_index: int = 0):
    """Yields HxWx3 uint8 frames: 'synthetic' (shapes on noise) or 'camera' (OpenCV)."""
    if kind == "synthetic":
        rng = np.random.default_rng(seed)
        while True:
            frame, _ = synthetic_scene(rng, size)
            yield frame
    elif kind == "camera":
        try:
            import cv2
        except ImportError:
            raise RuntimeError("--source camera needs OpenCV: `sudo apt install python3-opencv` on the Pi "
                               "or `pip install opencv-python-headless`") from None
        capture = cv2.VideoCapture(camera_index)
        if not capture.isOpened():
            raise RuntimeError(f"camera {camera_index} did not open: check the cable and `libcamera-hello` "
                               "(Pi) or `v4l2-ctl --list-devices` (Jetson)")
        while True:
            ok, bgr = capture.read()
            if not ok:
                raise RuntimeError("camera stopped delivering frames")
            rgb = cv2.cvtColor(cv2.resize(bgr, (size, size)), cv2.COLOR_BGR2RGB)
            yield rgb
    else:
        raise ValueError(f"source must be 'synthetic' or 'camera', got {kind!r}")


def synthetic_scene(rng: np.random.Generator, size: int, max_objects: int = 3):
    """Noise background with up to `max_objects` filled rectangles; returns (frame, boxes)
    with boxes as [x0, y0, x1, y1, class] in pixels (class 0 red, 1 green, 2 blue)."""
    frame = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
    boxes = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        w, h = rng.integers(size // 6, size // 2, 2)
        x0, y0 = rng.integers(0, size - w), rng.integers(0, size - h)
        cls = int(rng.integers(0, 3))
        frame[y0:y0 + h, x0:x0 + w] = 0
        frame[y0:y0 + h, x0:x0 + w, cls] = 220
        boxes.append([x0, y0, x0 + w, y0 + h, cls])
    return frame, np.array(boxes, np.float32)


def to_tensor(frames: list[np.ndarray], device: str):
    import torch

    batch = np.stack(frames).astype(np.float32) / 255.0
    return torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous().to(device)


def classifier(num_classes: int = 10, width: int = 16):
    """MobileNet-style: strided conv, then depthwise-separable blocks, global pooling."""
    import torch.nn as nn

    def separable(cin, cout, stride):
        return [nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
                nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()]

    w = width
    return nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU6(),
                         *separable(w, 2 * w, 2), *separable(2 * w, 4 * w, 2), *separable(4 * w, 8 * w, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8 * w, num_classes))


class GridDetector:
    """Single-shot detector: a backbone maps the image to an SxS grid; each cell predicts
    objectness, a box (centre offset and size, relative) and class scores."""

    def __init__(self, num_classes: int = 3, width: int = 16):
        import torch.nn as nn

        self.num_classes = num_classes
        backbone = list(classifier(num_classes, width).children())[:-3]  # drop pool/flatten/linear
        self.net = nn.Sequential(*backbone, nn.Conv2d(8 * width, 5 + num_classes, 1))

    def to(self, device):
        self.net.to(device)
        return self

    def eval(self):
        self.net.eval()
        return self

    def __call__(self, x):
        return self.net(x)

    def decode(self, raw, image_size: int, score_threshold: float = 0.5, iou_threshold: float = 0.45):
        """Raw grid output [N, 5 + C, S, S] -> per-image arrays [k, 6] (x0, y0, x1, y1, score, class)."""
        import torch

        out = []
        raw = raw.detach().float().cpu()
        n, _, s, _ = raw.shape
        cell = image_size / s
        gy, gx = torch.meshgrid(torch.arange(s), torch.arange(s), indexing="ij")
        for i in range(n):
            obj = torch.sigmoid(raw[i, 0])
            cx = (gx + torch.sigmoid(raw[i, 1])) * cell
            cy = (gy + torch.sigmoid(raw[i, 2])) * cell
            w = torch.sigmoid(raw[i, 3]) * image_size
            h = torch.sigmoid(raw[i, 4]) * image_size
            cls_prob, cls = torch.softmax(raw[i, 5:], dim=0).max(dim=0)
            score = (obj * cls_prob).reshape(-1).numpy()
            boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1).reshape(-1, 4).numpy()
            keep = score >= score_threshold
            kept = nms(boxes[keep], score[keep], iou_threshold)
            dets = np.concatenate([boxes[keep][kept], score[keep][kept, None],
                                   cls.reshape(-1).numpy()[keep][kept, None].astype(np.float32)], axis=1)
            out.append(dets)
        return out


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(others) - inter, 1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; returns kept indices, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best = order[0]
        keep.append(best)
        if order.size == 1:
            break
        overlaps = iou(boxes[best], boxes[order[1:]])
        order = order[1:][overlaps <= iou_threshold]
    return np.array(keep, dtype=np.int64)


@dataclass
class VisionConfig:
    task: str = "classify"   # classify | detect
    device: str = "auto"
    batch: int = 1
    size: int = 96
    source: str = "synthetic"
    weights: str | None = None
    threads: int | None = None
    iterations: int = 20
    warmup: int = 3


def benchmark(config: VisionConfig):
    import torch

    from .harness import pick_device, run_benchmark

    if config.task not in ("classify", "detect"):
        raise ValueError(f"task must be 'classify' or 'detect', got {config.task!r}")
    if config.threads:
        torch.set_num_threads(config.threads)
    device = pick_device(config.device)
    model = classifier() if config.task == "classify" else GridDetector()
    module = model if config.task == "classify" else model.net
    if config.weights:
        module.load_state_dict(torch.load(config.weights, map_location="cpu"))
    module.to(device).eval()
    frames = frame_source(config.source, config.size)
    params = sum(p.numel() for p in module.parameters())
    detections = []

    def step():
        x = to_tensor([next(frames) for _ in range(config.batch)], device)
        with torch.inference_mode():
            out = module(x)
        if config.task == "detect":
            detections.append(sum(len(d) for d in model.decode(out, config.size)))
        return out

    result = run_benchmark(f"{config.task} {config.size}x{config.size}", step, batch=config.batch,
                           device=device, warmup=config.warmup, iterations=config.iterations,
                           extra={"parameters": params, "weights": config.weights or "random (cost only)",
                                  "threads": torch.get_num_threads()})
    if detections:
        result.extra["mean_detections_per_batch"] = float(np.mean(detections))
    return result


def detector_targets(boxes_per_image: list[np.ndarray], grid: int, size: int, num_classes: int = 3):
    """Grid targets: objectness [N,S,S], box [N,4,S,S] (cell offsets and relative size, all in
    0..1 so they match the decoder's sigmoids), class [N,S,S] (-1 where empty)."""
    n = len(boxes_per_image)
    obj = np.zeros((n, grid, grid), np.float32)
    box = np.zeros((n, 4, grid, grid), np.float32)
    cls = np.full((n, grid, grid), -1, np.int64)
    cell = size / grid
    for i, boxes in enumerate(boxes_per_image):
        for x0, y0, x1, y1, c in boxes:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            gx, gy = min(int(cx // cell), grid - 1), min(int(cy // cell), grid - 1)
            obj[i, gy, gx] = 1.0
            box[i, :, gy, gx] = [cx / cell - gx, cy / cell - gy, (x1 - x0) / size, (y1 - y0) / size]
            cls[i, gy, gx] = int(c)
    return obj, box, cls


def train_detector(steps: int = 300, batch: int = 32, size: int = 96, seed: int = 0, lr: float = 3e-3,
                   threads: int = 1):
    """Train the grid detector on synthetic scenes (CPU, minutes); returns (detector, losses)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _train_detector(steps, batch, size, seed, lr)
    finally:
        torch.set_num_threads(previous)


def _train_detector(steps, batch, size, seed, lr):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    det = GridDetector()
    optimiser = torch.optim.Adam(det.net.parameters(), lr=lr)
    losses = []
    det.net.train()
    for _ in range(steps):
        scenes = [synthetic_scene(rng, size) for _ in range(batch)]
        x = to_tensor([f for f, _ in scenes], "cpu")
        raw = det(x)
        grid = raw.shape[-1]
        obj, box, cls = (torch.from_numpy(t) for t in detector_targets([b for _, b in scenes], grid, size))
        positive = obj > 0
        loss = F.binary_cross_entropy_with_logits(raw[:, 0], obj, pos_weight=torch.tensor(4.0))
        if positive.any():
            pred_box = torch.sigmoid(raw[:, 1:5]).permute(0, 2, 3, 1)[positive]
            loss = loss + 5.0 * F.mse_loss(pred_box, box.permute(0, 2, 3, 1)[positive])
            loss = loss + F.cross_entropy(raw[:, 5:].permute(0, 2, 3, 1)[positive], cls[positive])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    det.net.eval()
    return det, losses


def recall_at_iou(det: GridDetector, scenes, size: int, iou_threshold: float = 0.5) -> float:
    """Fraction of ground-truth boxes found with the right class at IoU >= iou_threshold."""
    import torch

    with torch.inference_mode():
        raw = det(to_tensor([f for f, _ in scenes], "cpu"))
    found = total = 0
    for dets, (_, truth) in zip(det.decode(raw, size), scenes):
        for gt in truth:
            total += 1
            same = dets[dets[:, 5] == gt[4]] if len(dets) else dets
            if len(same) and iou(gt[:4], same[:, :4]).max() >= iou_threshold:
                found += 1
    return found / max(total, 1)
