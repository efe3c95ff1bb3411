"""Linux-board labs (Raspberry Pi 4/5, Jetson Orin Nano): image classification, object
detection and a small language model, each with a latency/throughput/memory harness.
Everything runs on a laptop CPU too, with tiny models and generated input."""
