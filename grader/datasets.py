"""The exercises' data, offline first: MNIST (day97) and a small Fashion-MNIST subset (day98).

``load_mnist()`` and ``load_fashion_subset()`` return ``(x_train, y_train), (x_test, y_test)`` as uint8
arrays, like ``keras.datasets``. A file is used only when its sha256 is one we know, and is looked for in
this order:

1. the project's own ``datasets/`` folder (shipped with the repository);
2. the folder named by the ``CNN_DATASETS`` environment variable;
3. Keras's cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``);
4. when online, Keras's own download;

otherwise :class:`DatasetMissing` says in one sentence what to do.

While a notebook is graded (``GRADER_GRADING=1``) the kernel sees only the training split, which the grader
writes into its working copy (``GRADER_DATA``); the test split it gets there is a stand-in taken from the
training images, and the real test set is read only by the grader's own process.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.exercise import PACKAGE_DIR, ROOT

DATA_DIR = ROOT / "datasets"
ENV_DIR = "CNN_DATASETS"
GRADING_DIR = "GRADER_DATA"          # set by the grader in the learner's kernel
TRAIN_ONLY = "mnist-train.npz"       # what a graded day97 kernel gets
STAND_IN_TEST = 10_000               # the last training images play the test split while grading
FASHION_PER_CLASS = (200, 50)        # train, test images per class in the shipped subset
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


class DatasetMissing(FileNotFoundError):
    """No verified copy of a dataset anywhere, and no way to download it."""


@dataclass(frozen=True)
class DataFile:
    name: str                      # path under a data folder
    sha256: tuple[str, ...]        # every digest we accept (ours, and Keras's own file where it differs)
    what: str


MNIST = DataFile("mnist/mnist.npz", (
    "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64",   # the project's copy
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",   # Keras's download
), "MNIST")
FASHION_SUBSET = DataFile("fashion-mnist/fashion-mnist-subset.npz", (
    "da091cad03bf6ee4282c8d62262c1f3ac3c3960342e622ad52734aa92d73d233",
), "the Fashion-MNIST subset")
HEAD_FEATURES = DataFile("fashion-mnist/fashion-vgg16-random-features.npz", (
    "189172743ec501e0a8fb1a1cb5bbc0147bfc865736908c008d525842406aee73",
), "the day98 head check's features (the Fashion-MNIST subset through a random-weights VGG16)")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_DIGESTS: dict[tuple, str] = {}


def _stamp(path: Path) -> tuple:
    """(path, device, inode, size, modification time): another file, or the file written again, differs."""
    stat = path.stat()
    return str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def known_sha256(path: Path) -> str:
    """:func:`sha256` of ``path``, computed once per process while its :func:`_stamp` stays the same."""
    stamp = _stamp(path)
    if stamp not in _DIGESTS:
        _DIGESTS[stamp] = sha256(path)
    return _DIGESTS[stamp]


def keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def search_dirs() -> list[Path]:
    """Where data files are looked for, in order."""
    dirs = [DATA_DIR, PACKAGE_DIR / "data"]   # the checkout's datasets/, a wheel's copy (package data)
    if os.environ.get(ENV_DIR):
        dirs.append(Path(os.environ[ENV_DIR]))
    return dirs + [keras_cache()]


def find(data: DataFile) -> Path | None:
    """The first copy of ``data`` whose sha256 we know; copies with another digest are passed over."""
    for folder in search_dirs():
        for candidate in (folder / data.name, folder / Path(data.name).name):
            if candidate.is_file() and known_sha256(candidate) in data.sha256:
                return candidate
    return None


def missing(data: DataFile) -> DatasetMissing:
    places = ", ".join(str(d) for d in search_dirs())
    return DatasetMissing(
        f"{data.what} ({Path(data.name).name}) was not found with a known sha256 in {places}, and it could not be "
        f"downloaded: copy the file from the course repository's datasets/ folder into one of those folders, "
        f"or set {ENV_DIR} to the folder that holds it.")


def verified(data: DataFile) -> Path:
    """The verified copy of ``data`` (no download): for the grader's own process."""
    path = find(data)
    if path is None:
        raise missing(data)
    return path


def grading() -> bool:
    return os.environ.get("GRADER_GRADING") == "1" and bool(os.environ.get(GRADING_DIR))


# ---------------------------------------------------------------- MNIST

def _split(path: Path):
    with np.load(path, allow_pickle=False) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def load_mnist():
    """MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28) and labels 0-9."""
    if grading():
        return load_training_only(Path(os.environ[GRADING_DIR]) / TRAIN_ONLY)
    path = find(MNIST)
    if path is not None:
        return _split(path)
    try:
        import keras
        return keras.datasets.mnist.load_data()
    except Exception as error:  # noqa: BLE001 - offline, blocked, or a corrupt download
        raise missing(MNIST) from error


@functools.lru_cache(maxsize=1)
def _read_only_split(stamp: tuple):
    """The four arrays of the verified file ``stamp`` names (:func:`_stamp`), read once per process and made
    read-only: the grader's own copy, never handed to a learner's code."""
    split = _split(Path(stamp[0]))
    for array in (*split[0], *split[1]):
        array.setflags(write=False)
    return split


@functools.lru_cache(maxsize=1)
def _training_only_bytes(stamp: tuple) -> bytes:
    """The ``.npz`` file of the training split alone, built once per process (46 MB, held in memory so that
    nothing a kernel can reach could change what the next kernel gets)."""
    (x_train, y_train), _ = _read_only_split(stamp)
    buffer = io.BytesIO()
    np.savez(buffer, x_train=x_train, y_train=y_train)
    return buffer.getvalue()


def write_training_only(folder: Path) -> Path:
    """Write MNIST's training split alone into ``folder`` (what a graded kernel may read)."""
    data = _training_only_bytes(_stamp(verified(MNIST)))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TRAIN_ONLY).write_bytes(data)
    return folder / TRAIN_ONLY


def load_training_only(path: Path):
    """The training split, and its last images as a stand-in test split (used while grading)."""
    with np.load(path, allow_pickle=False) as data:
        x, y = data["x_train"], data["y_train"]
    return (x, y), (x[-STAND_IN_TEST:].copy(), y[-STAND_IN_TEST:].copy())


def load_mnist_test():
    """The real MNIST test split, for the grader's own process only: (images (10000, 28, 28) uint8, labels (10000,)
    uint8), read-only arrays read once per process (1.8 s each time before)."""
    return _read_only_split(_stamp(verified(MNIST)))[1]


# ---------------------------------------------------------------- Fashion-MNIST subset

def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip or not) as a uint8 array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def subset(x: np.ndarray, y: np.ndarray, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``per_class`` images of every class, in file order (the same subset everywhere)."""
    keep = np.sort(np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(10)]))
    return x[keep], y[keep]


def fashion_subset_from(x_train, y_train, x_test, y_test):
    train, test = FASHION_PER_CLASS
    return subset(x_train, y_train, train), subset(x_test, y_test, test)


def _fashion_from_keras():
    import keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return fashion_subset_from(x_train, y_train, x_test, y_test)


def load_fashion_subset():
    """A class-balanced Fashion-MNIST subset: 2,000 training and 500 test images (n, 28, 28), labels 0-9."""
    if grading():
        local = Path(os.environ[GRADING_DIR]) / Path(FASHION_SUBSET.name).name
        if local.is_file():
            return _split(local)
    path = find(FASHION_SUBSET)
    if path is not None:
        return _split(path)
    try:
        return _fashion_from_keras()
    except Exception as error:  # noqa: BLE001 - offline, blocked, or a corrupt download
        raise missing(FASHION_SUBSET) from error


# ---------------------------------------------------------------- VGG16 weights

VGG16_NOTOP = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"


def vgg16_weights_file() -> Path | None:
    """The ImageNet weights for VGG16's convolutional base, when Keras's cache holds them."""
    path = keras_cache().parent / "models" / VGG16_NOTOP
    return path if path.is_file() else None


# ---------------------------------------------------------------- what a graded kernel may read

def _fashion_into(folder: Path) -> None:
    path = verified(FASHION_SUBSET)
    (folder / path.name).write_bytes(path.read_bytes())


KERNEL_DATA = {"day97": write_training_only, "day98": _fashion_into}


def prepare_kernel(exercise_id: str, folder: Path, home: Path) -> dict[str, str]:
    """Put the data a graded kernel may read into ``folder`` (and cached weights into its ``home``);
    returns the environment variables that tell the kernel where they are."""
    writer = KERNEL_DATA.get(exercise_id)
    if writer is None:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    writer(folder)
    weights = vgg16_weights_file()
    if exercise_id == "day98" and weights is not None:
        models = home / ".keras" / "models"
        models.mkdir(parents=True, exist_ok=True)
        (models / VGG16_NOTOP).symlink_to(weights)
    return {GRADING_DIR: str(folder)}
