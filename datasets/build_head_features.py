"""Rebuild datasets/fashion-mnist/fashion-vgg16-random-features.npz: the features day98's hidden head check trains
a learner's head on (grader.transfer.head_features).

    python datasets/build_head_features.py

The shipped Fashion-MNIST subset's 2,000 training and 500 test images, prepared (padded to 32 x 32, grey repeated
into R, G and B) and preprocessed as VGG16 wants, through VGG16's convolutional base with the random weights drawn
from grader.transfer.HEAD_BASE_SEED; standardized with the training features' mean and std and stored as float16,
with that mean and std (grader.transfer.computed_head_features). Another machine gives the same numbers up to
float rounding, not the same bytes: put the printed sha256 into grader/datasets.py (HEAD_FEATURES) and
datasets/README.md.
"""
import numpy as np

from grader.datasets import DATA_DIR, HEAD_FEATURES, load_fashion_subset, sha256
from grader.transfer import computed_head_features


def main() -> None:
    (x_train, _), (x_test, _) = load_fashion_subset()
    arrays = computed_head_features(x_train, x_test)
    if not all(np.isfinite(value).all() for value in arrays.values()):
        raise SystemExit("features that are not finite (over float16's 65504?): not written")
    out = DATA_DIR / HEAD_FEATURES.name
    np.savez_compressed(out, **arrays)
    print(out, {key: value.shape for key, value in arrays.items()}, out.stat().st_size, "bytes", sha256(out))


if __name__ == "__main__":
    main()
