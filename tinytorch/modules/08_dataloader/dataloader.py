# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 08: Data loading
#
# A model is only as fast as the data that reaches it. This module separates *what* the data is
# (`Dataset`: a length and an indexing rule) from *how* it is served (`DataLoader`: shuffling,
# batching, dropping the ragged last batch). It also provides the course's datasets: scikit-learn's
# bundled 8×8 digits (offline), and loaders for MNIST and CIFAR-10 that download with checksum
# verification for learners who have internet access.
#
# **Systems lens.** Per-example indexing costs a Python call per example; for small examples that
# overhead exceeds the model's compute. `DataLoader` detects array-backed datasets and gathers a whole
# batch with one fancy-indexing operation, `O(batch)` bytes copied in one pass. Real pipelines face the
# same trade-off at larger scale (decode, augment, prefetch), which is why input pipelines often
# become the bottleneck when accelerators get faster.

# %%
#| default_exp data.loader
#| requires: 01
#| public data: Dataset, TensorDataset, DataLoader, random_split, load_digits, load_mnist, load_cifar10, download, DatasetChecksumError

# %%
#| export
import gzip
import hashlib
import os
import pickle
import tarfile
import urllib.request

import numpy as np

from tinytorch.core.tensor import Tensor, get_rng


class Dataset:
    """Abstract dataset: subclasses define __len__ and __getitem__ (mirrors torch.utils.data.Dataset)."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Rows of equally long arrays (features, labels, ...)."""

    def __init__(self, *arrays):
        self.arrays = [a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ValueError(f"TensorDataset: all arrays need the same first dimension, got lengths {[len(a) for a in self.arrays]}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class _Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


def random_split(dataset, lengths, seed: int = 0):
    if sum(lengths) != len(dataset):
        raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, dataset has {len(dataset)} items")
    order = np.random.default_rng(seed).permutation(len(dataset))
    bounds = np.cumsum([0, *lengths])
    return [_Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]

# %% [markdown]
# ## DataLoader
#
# Each epoch draws a fresh permutation when `shuffle=True`. Features become float `Tensor`s, labels
# stay integer NumPy arrays (the form the losses expect). A `transform` callable receives the feature
# batch as an array (e.g. for augmentation).

# %%
#| export
class DataLoader:
    def __init__(self, dataset, batch_size: int = 32, shuffle: bool = False, drop_last: bool = False, transform=None, seed=None):
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.transform = transform
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self) -> int:
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def _gather(self, indices):
        ### BEGIN SOLUTION
        ### HINT: array-backed datasets index all columns at once; others stack per-example tuples
        base, rows = self.dataset, indices
        while isinstance(base, _Subset):
            rows, base = base.indices[rows], base.dataset
        if isinstance(base, TensorDataset):
            return tuple(a[rows] for a in base.arrays)
        items = [self.dataset[int(i)] for i in indices]
        return tuple(np.stack([np.asarray(item[k]) for item in items]) for k in range(len(items[0])))
        ### END SOLUTION

    def __iter__(self):
        n = len(self.dataset)
        rng = self._rng or get_rng()
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                break
            columns = self._gather(indices)
            features = columns[0]
            if self.transform is not None:
                features = self.transform(features)
            if np.issubdtype(np.asarray(features).dtype, np.floating):
                features = Tensor(features)
            yield (features, *columns[1:])

# %% [markdown]
# ## Datasets: digits offline, MNIST and CIFAR-10 with checksums
#
# `download` streams a URL to disk, computes its MD5 on the way, and refuses the file (deleting it)
# if the digest differs from the published one: a truncated or tampered download fails loudly
# instead of training on garbage. MNIST is stored as IDX files (a magic number giving the element
# type and rank, then big-endian dimension sizes, then raw bytes); CIFAR-10 as pickled batches in a
# tar archive. Checksums are the ones the dataset hosts publish (also used by torchvision).

# %%
#| export
MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"


class DatasetChecksumError(RuntimeError):
    """A downloaded or cached file does not have the published checksum."""


def md5_of(path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, destination, md5: str) -> str:
    """Download url to destination unless a file with the right MD5 is already there."""
    destination = os.fspath(destination)
    if os.path.exists(destination) and md5_of(destination) == md5:
        return destination
    os.makedirs(os.path.dirname(os.path.abspath(destination)), exist_ok=True)
    partial = destination + ".part"
    digest = hashlib.md5()
    with urllib.request.urlopen(url) as response, open(partial, "wb") as stream:
        for chunk in iter(lambda: response.read(1 << 20), b""):
            digest.update(chunk)
            stream.write(chunk)
    if digest.hexdigest() != md5:
        os.remove(partial)
        raise DatasetChecksumError(
            f"download: {url} has MD5 {digest.hexdigest()}, expected {md5}; "
            "the file was deleted. Fix: retry, or fetch it manually from the dataset's home page"
        )
    os.replace(partial, destination)
    return destination


def read_idx(path) -> np.ndarray:
    """Parse an (optionally gzipped) IDX file as used by MNIST."""
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "rb") as stream:
        raw = stream.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number)")
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if raw[2] not in dtypes:
        raise ValueError(f"read_idx: {path} declares unknown element type 0x{raw[2]:02x}")
    rank = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank))
    data = np.frombuffer(raw, dtype=dtypes[raw[2]], offset=4 + 4 * rank)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"read_idx: {path} header promises shape {shape} but holds {data.size} elements (truncated?)")
    return data.reshape(shape)


def load_mnist(root, download_missing: bool = False, mirror: str = MNIST_MIRROR, checksums=None):
    """Return (x_train, y_train, x_test, y_test); images float32 in [0, 1], shape (N, 1, 28, 28)."""
    checksums = checksums or MNIST_FILES
    paths = {}
    for name, md5 in checksums.items():
        path = os.path.join(root, name)
        if download_missing:
            download(mirror + name, path, md5)
        elif not os.path.exists(path):
            raise FileNotFoundError(f"load_mnist: {path} is missing; fix: load_mnist(root, download_missing=True)")
        elif md5_of(path) != md5:
            raise DatasetChecksumError(f"load_mnist: {path} does not match its published MD5 {md5}; delete it and download again")
        paths[name] = path

    def images(name):
        return (read_idx(paths[name]).astype(np.float32) / 255.0)[:, None, :, :]

    return (images("train-images-idx3-ubyte.gz"), read_idx(paths["train-labels-idx1-ubyte.gz"]).astype(np.int64),
            images("t10k-images-idx3-ubyte.gz"), read_idx(paths["t10k-labels-idx1-ubyte.gz"]).astype(np.int64))


def load_cifar10(root, download_missing: bool = False, url: str = CIFAR10_URL, md5: str = CIFAR10_MD5):
    """Return (x_train, y_train, x_test, y_test); images float32 in [0, 1], shape (N, 3, 32, 32)."""
    archive = os.path.join(root, "cifar-10-python.tar.gz")
    if download_missing:
        download(url, archive, md5)
    elif not os.path.exists(archive):
        raise FileNotFoundError(f"load_cifar10: {archive} is missing; fix: load_cifar10(root, download_missing=True)")
    elif md5_of(archive) != md5:
        raise DatasetChecksumError(f"load_cifar10: {archive} does not match its published MD5 {md5}")
    batches = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            name = os.path.basename(member.name)
            if name.startswith("data_batch_") or name == "test_batch":
                batches[name] = pickle.load(tar.extractfile(member), encoding="bytes")

    def stack(names):
        missing = [n for n in names if n not in batches]
        if missing:
            raise ValueError(f"load_cifar10: archive lacks batches {missing}")
        x = np.concatenate([batches[n][b"data"] for n in names]).reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
        y = np.concatenate([np.asarray(batches[n][b"labels"]) for n in names]).astype(np.int64)
        return x, y

    x_train, y_train = stack([f"data_batch_{i}" for i in range(1, 6)])
    x_test, y_test = stack(["test_batch"])
    return x_train, y_train, x_test, y_test


def load_digits(test_fraction: float = 0.25, seed: int = 0, images: bool = False):
    """scikit-learn's bundled 8×8 digits, standardised, split per class: (x_train, y_train, x_test, y_test)."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as error:
        raise ImportError("load_digits needs scikit-learn, which ships the digits data; fix: pip install scikit-learn") from error
    bunch = sklearn_digits()
    x, y = bunch.data.astype(np.float32) / 16.0, bunch.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test_rows = []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        test_rows.extend(rows[: int(round(test_fraction * len(rows)))])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[test_rows] = True
    mean, std = x[~test_mask].mean(axis=0), x[~test_mask].std(axis=0) + 1e-3
    x = (x - mean) / std
    if images:
        x = x.reshape(-1, 1, 8, 8)
    return x[~test_mask], y[~test_mask], x[test_mask], y[test_mask]

# %% [markdown]
# ## Systems analysis: per-example versus vectorised batching
#
# We serve the same 10,000 rows twice: once through a dataset that only supports per-example
# indexing, once through `TensorDataset`, which the loader gathers with one fancy index per batch.
# The ratio is the Python-overhead tax that per-example pipelines pay.

# %%
class PerExampleDataset(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.y[index]


def batching_speed(n: int = 10_000, batch_size: int = 64) -> dict:
    import time

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((n, 64)).astype(np.float32), rng.integers(0, 10, n)
    timings = {}
    for name, dataset in (("per-example", PerExampleDataset(x, y)), ("vectorised", TensorDataset(x, y))):
        start = time.perf_counter()
        for _ in DataLoader(dataset, batch_size=batch_size, shuffle=True):
            pass
        timings[name] = time.perf_counter() - start
    return timings


if __name__ == "__main__":
    timings = batching_speed()
    print({k: f"{v * 1e3:.1f} ms" for k, v in timings.items()}, f"speed-up {timings['per-example'] / timings['vectorised']:.1f}x")
