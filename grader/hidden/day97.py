"""Hidden checks for day97: fresh random images and labels each run, and no test data in `fit`."""
import numpy as np
import pytest

from grader.answers import remembered
from grader.checks import fail
from grader.fit_scan import fit_calls_with_test_data
from grader.mnist import check_scale_images, expect_trained, label_format


@pytest.mark.points(2)
@pytest.mark.target("scale_images")
def test_scale_images_random_batch(learner, rng):
    images = rng.integers(0, 256, size=(int(rng.integers(1, 9)), 28, 28), dtype=np.uint8)
    check_scale_images(learner, images)


@pytest.mark.points(1)
@pytest.mark.target("format_labels")
def test_format_labels_random_labels(learner, rng):
    labels = rng.integers(0, 10, size=int(rng.integers(5, 40)))
    label_format(learner.call("format_labels", labels.copy()), labels, what="format_labels(labels)")


@pytest.mark.points(2)
@pytest.mark.target("trained_model")
def test_no_test_data_in_fit(learner):
    found = fit_calls_with_test_data(getattr(learner, "cells", ()))
    if found:
        cell, code = found[0]
        fail("test_data_in_fit", cell=cell, code=code)
    # a notebook that never trained has not earned this either
    expect_trained(remembered(learner).call("trained_model"), what="trained_model()")
