"""Module 08 tests: datasets, loader semantics, digits split, MNIST/CIFAR readers on synthetic files."""
import gzip
import hashlib
import io
import pickle
import tarfile

import numpy as np
import pytest

from tinytorch.core.tensor import Tensor
from tinytorch.data.loader import (CIFAR10_MD5, DataLoader, Dataset, DatasetChecksumError, TensorDataset, download,
                                   load_cifar10, load_digits, load_mnist, random_split, read_idx)


class Squares(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return np.array([float(i)], dtype=np.float32), i * i


def test_loader_batches_cover_everything_once():
    loader = DataLoader(TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10)), batch_size=4, shuffle=True, seed=0)
    assert len(loader) == 3
    batches = list(loader)
    assert [len(y) for _, y in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], Tensor)
    assert sorted(np.concatenate([y for _, y in batches]).tolist()) == list(range(10))
    np.testing.assert_array_equal(np.concatenate([x.data[:, 0] for x, _ in batches]).astype(int), np.concatenate([y for _, y in batches]))


def test_drop_last_and_generic_datasets():
    loader = DataLoader(Squares(), batch_size=4, drop_last=True)
    assert len(loader) == 2
    x, y = next(iter(loader))
    assert x.shape == (4, 1) and y.tolist() == [0, 1, 4, 9]


def test_random_split_and_subset_gather():
    train, test = random_split(TensorDataset(np.arange(10, dtype=np.float32), np.arange(10)), [7, 3])
    seen = np.concatenate([y for _, y in DataLoader(train, batch_size=3)] + [y for _, y in DataLoader(test, batch_size=3)])
    assert sorted(seen.tolist()) == list(range(10))
    with pytest.raises(ValueError, match="sum to"):
        random_split(Squares(), [3, 3])


def test_validation_messages():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=0)


def test_digits_split_is_stratified_and_standardised():
    x_train, y_train, x_test, y_test = load_digits()
    assert x_train.shape[1] == 64 and len(x_train) + len(x_test) == 1797
    assert abs(len(x_test) / 1797 - 0.25) < 0.01
    assert set(np.unique(y_test)) == set(range(10))
    assert abs(x_train.mean()) < 0.05
    assert load_digits(images=True)[0].shape[1:] == (1, 8, 8)


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_mnist_reader_and_checksums_on_synthetic_files(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 6),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3),
    }
    source = tmp_path / "mirror"
    source.mkdir()
    checksums = {}
    for name, array in arrays.items():
        payload = idx_bytes(array)
        (source / name).write_bytes(payload)
        checksums[name] = hashlib.md5(payload).hexdigest()
    root = tmp_path / "mnist"
    x_train, y_train, x_test, y_test = load_mnist(root, download_missing=True, mirror=source.as_uri() + "/", checksums=checksums)
    assert x_train.shape == (6, 1, 28, 28) and x_test.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_allclose(x_train[:, 0] * 255, arrays["train-images-idx3-ubyte.gz"], atol=1e-3)
    (root / "t10k-labels-idx1-ubyte.gz").write_bytes(b"corrupted")
    with pytest.raises(DatasetChecksumError, match="MD5"):
        load_mnist(root, checksums=checksums)
    with pytest.raises(FileNotFoundError, match="download_missing=True"):
        load_mnist(tmp_path / "empty", checksums=checksums)


def test_download_rejects_wrong_checksum_and_removes_file(tmp_path):
    (tmp_path / "file.bin").write_bytes(b"payload")
    with pytest.raises(DatasetChecksumError, match="expected"):
        download((tmp_path / "file.bin").as_uri(), tmp_path / "out" / "file.bin", md5="0" * 32)
    assert not (tmp_path / "out" / "file.bin").exists() and not (tmp_path / "out" / "file.bin.part").exists()


def test_read_idx_rejects_truncated_files(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(bytes([0, 0, 0x08, 1]) + (10).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_cifar10_reader_on_synthetic_archive(tmp_path):
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            batch = {b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), b"labels": list(rng.integers(0, 10, 2))}
            payload = pickle.dumps(batch)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(buffer.getvalue())
    md5 = hashlib.md5(buffer.getvalue()).hexdigest()
    x_train, y_train, x_test, y_test = load_cifar10(tmp_path, md5=md5)
    assert x_train.shape == (10, 3, 32, 32) and x_test.shape == (2, 3, 32, 32) and y_train.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    with pytest.raises(DatasetChecksumError):
        load_cifar10(tmp_path)
    assert CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"
