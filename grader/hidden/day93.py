"""Hidden checks for day93: the discriminating cases of every run, then fresh random inputs, judged by one diagnosis.

Each function's reference (SciPy's ``correlate2d``), its known mistakes and its fixed cases are in
``diagnosis_day93.py``; the public checks hold literal tables generated from the same diagnoses, so a mistake gets
the same name in both.
"""
import numpy as np
import pytest

from grader.diagnosis import expect_entries, load

DAY = load("day93")


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


def judge(learner, function, entries):
    expect_entries(learner, function, entries, arg_names=DAY.ARG_NAMES[function])


@pytest.mark.points(1)
@pytest.mark.target("conv_single_step")
def test_conv_single_step_random(learner, rng):
    diagnosis = DAY.DIAGNOSES["conv_single_step"]
    entries = diagnosis.table()
    for channels in (None, 3):
        window, kernel, bias = random_case(rng, channels=channels)
        f = kernel.shape[0]
        entries.append(diagnosis.entry(window[:f, :f], kernel, bias))
    judge(learner, "conv_single_step", entries)


@pytest.mark.points(2)
@pytest.mark.target("feature_map")
def test_feature_map_random_2d(learner, rng):
    diagnosis = DAY.DIAGNOSES["feature_map"]
    entries = [e for e in diagnosis.table() if np.ndim(e["args"][0]) == 2]
    entries += [diagnosis.entry(*random_case(rng, channels=None)) for _ in range(2)]
    judge(learner, "feature_map", entries)


@pytest.mark.points(2)
@pytest.mark.target("feature_map")
def test_feature_map_random_channels(learner, rng):
    diagnosis = DAY.DIAGNOSES["feature_map"]
    entries = [e for e in diagnosis.table() if np.ndim(e["args"][0]) == 3]
    entries.append(diagnosis.entry(*random_case(rng, channels=int(rng.integers(2, 5)))))
    judge(learner, "feature_map", entries)


@pytest.mark.points(1)
@pytest.mark.target("feature_map")
def test_feature_map_keeps_random_input(learner, rng):
    """Image and kernel left as they were, and the map computed from them right (an unchanged input alone
    earns nothing)."""
    judge(learner, "feature_map", [DAY.DIAGNOSES["feature_map"].entry(*random_case(rng, channels=2))])


@pytest.mark.points(2)
@pytest.mark.target("feature_maps")
def test_feature_maps_random(learner, rng):
    diagnosis = DAY.DIAGNOSES["feature_maps"]
    entries = diagnosis.table()
    channels, count = int(rng.integers(1, 4)), int(rng.integers(2, 6))
    image, kernel, _ = random_case(rng, channels=channels)
    kernels = rng.normal(size=(count,) + kernel.shape).round(3)
    biases = (rng.uniform(0.2, 1, size=count) * rng.choice([-1, 1], size=count)).round(3)
    entries.append(diagnosis.entry(image, kernels, biases.tolist()))
    entries.append(diagnosis.entry(image, kernels))                    # biases left at their default None
    judge(learner, "feature_maps", entries)


@pytest.mark.points(1)
@pytest.mark.target("relu")
def test_relu_random(learner, rng):
    diagnosis = DAY.DIAGNOSES["relu"]
    x = rng.normal(size=(int(rng.integers(2, 7)), int(rng.integers(2, 7)), int(rng.integers(1, 4))))
    judge(learner, "relu", diagnosis.table() + [diagnosis.entry(x)])
