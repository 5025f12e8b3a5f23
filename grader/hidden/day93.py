"""Hidden checks for day93: fresh random inputs every run, compared whole against SciPy.

The reference is ``scipy.signal.correlate2d`` (cross-correlation, "valid"), independent of any learner-style
loop; each known wrong variant is computed from it so the message can name the mistake.
"""
import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from grader.checks import expect_array, expect_number, expect_unchanged


def correlate(image, kernel, bias=0.0, *, flip=False):
    """Valid cross-correlation of (H, W[, C]) with (f, f[, C]), channels summed; ``flip`` gives true convolution."""
    op = convolve2d if flip else correlate2d
    if image.ndim == 2:
        return op(image, kernel, mode="valid") + bias
    return sum(op(image[..., c], kernel[..., c], mode="valid") for c in range(image.shape[-1])) + bias


def random_case(rng, *, channels):
    """An image with H != W, a kernel of size 2-5, and a bias that is never 0."""
    f = int(rng.integers(2, 6))
    h = int(rng.integers(f + 2, f + 9))
    w = h + int(rng.integers(1, 5)) * int(rng.choice([-1, 1]))  # never equal to h
    w = w if w > f else h + 2
    extra = (channels,) if channels else ()
    image = rng.normal(size=(h, w) + extra).round(3)
    kernel = rng.normal(size=(f, f) + extra).round(3)
    bias = float(rng.uniform(0.5, 2.0) * rng.choice([-1, 1]))
    return image, kernel, bias


@pytest.mark.points(1)
@pytest.mark.target("conv_single_step")
def test_conv_single_step_random(learner, rng):
    for channels in (None, 3):
        window, kernel, bias = random_case(rng, channels=channels)
        f = kernel.shape[0]
        window = window[:f, :f]
        want = float(np.sum(window * kernel) + bias)
        products = window.size
        got = learner.call("conv_single_step", window, kernel, bias)
        expect_number(got, want, what=f"conv_single_step(window {window.shape}, kernel, bias)", atol=1e-6, mistakes={
            "bias_every_product": want + (products - 1) * bias, "bias_missing": want - bias,
            "flipped_kernel": float(np.sum(window * np.flip(kernel, axis=(0, 1))) + bias)})


@pytest.mark.points(2)
@pytest.mark.target("feature_map")
def test_feature_map_random_2d(learner, rng):
    for _ in range(2):
        image, kernel, bias = random_case(rng, channels=None)
        (h, w), f = image.shape, kernel.shape[0]
        got = learner.call("feature_map", image, kernel, bias)
        want = correlate(image, kernel, bias)
        expect_array(got, want, what=f"feature_map(image {image.shape}, kernel {kernel.shape}, bias)", mistakes={
            "flipped_kernel": correlate(image, kernel, bias, flip=True),
            "bias_every_product": want + (f * f - 1) * bias, "bias_missing": want - bias,
        }, shape_mistakes={"hw_swapped": (w - f + 1, h - f + 1), "off_by_one": (h - f, w - f)})


@pytest.mark.points(2)
@pytest.mark.target("feature_map")
def test_feature_map_random_channels(learner, rng):
    channels = int(rng.integers(2, 5))
    image, kernel, bias = random_case(rng, channels=channels)
    (h, w, c), f = image.shape, kernel.shape[0]
    got = learner.call("feature_map", image, kernel, bias)
    want = correlate(image, kernel, bias)
    expect_array(got, want, what=f"feature_map(image {image.shape}, kernel {kernel.shape}, bias)", mistakes={
        "channels_ignored": correlate(image[..., 0], kernel[..., 0], bias),
        "flipped_kernel": correlate(image, kernel, bias, flip=True),
        "bias_every_product": want + (f * f * c - 1) * bias, "bias_missing": want - bias,
    }, shape_mistakes={"per_channel_maps": (h - f + 1, w - f + 1, c), "hw_swapped": (w - f + 1, h - f + 1),
                       "off_by_one": (h - f, w - f)})


@pytest.mark.points(1)
@pytest.mark.target("feature_map")
def test_feature_map_keeps_random_input(learner, rng):
    image, kernel, bias = random_case(rng, channels=2)
    call = learner.run("feature_map", image, kernel, bias)
    expect_unchanged(image, call.args_after[0], function="feature_map", arg="image")
    expect_unchanged(kernel, call.args_after[1], function="feature_map", arg="kernel")


@pytest.mark.points(2)
@pytest.mark.target("feature_maps")
def test_feature_maps_random(learner, rng):
    channels, count = int(rng.integers(1, 4)), int(rng.integers(2, 6))
    image, kernel, _ = random_case(rng, channels=channels)
    kernels = rng.normal(size=(count,) + kernel.shape).round(3)
    biases = rng.uniform(-1, 1, size=count).round(3)
    want = np.stack([correlate(image, k, b) for k, b in zip(kernels, biases)], axis=-1)
    h2, w2 = want.shape[:2]
    got = learner.call("feature_maps", image, kernels, biases.tolist())
    expect_array(got, want, what=f"feature_maps(image {image.shape}, {count} kernels {kernel.shape}, biases)",
                 mistakes={"flipped_kernel": np.stack([correlate(image, k, b, flip=True)
                                                       for k, b in zip(kernels, biases)], axis=-1),
                           "bias_missing": want - biases},
                 shape_mistakes={"maps_first_axis": (count, h2, w2), "hw_swapped": (w2, h2, count)})


@pytest.mark.points(1)
@pytest.mark.target("relu")
def test_relu_random(learner, rng):
    x = rng.normal(size=(int(rng.integers(2, 7)), int(rng.integers(2, 7)), int(rng.integers(1, 4))))
    call = learner.run("relu", x)
    expect_array(call.value, np.where(x > 0, x, 0.0), what=f"relu(x {x.shape})",
                 mistakes={"relu_abs": np.abs(x), "relu_inverted": np.minimum(x, 0)})
    expect_unchanged(x, call.args_after[0], function="relu", arg="x")
