"""Rebuild datasets/fashion-mnist/fashion-mnist-subset.npz from the four original Fashion-MNIST IDX files.

    python datasets/build_fashion_subset.py FOLDER_WITH_THE_FOUR_GZ_FILES

The subset is the first 200 training and the first 50 test images of every class, in file order
(grader.datasets.subset), so the same files always give the same bytes.
"""
import sys
from pathlib import Path

import numpy as np

from grader.datasets import FASHION_FILES, FASHION_SUBSET, DATA_DIR, fashion_subset_from, read_idx, sha256


def main(source: Path) -> None:
    arrays = [read_idx(source / name) for name in FASHION_FILES]
    (x_train, y_train), (x_test, y_test) = fashion_subset_from(*arrays)
    out = DATA_DIR / FASHION_SUBSET.name
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    print(out, x_train.shape, x_test.shape, sha256(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
