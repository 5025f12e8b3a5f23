"""Public checks for day93 (compute a feature map): run them with `pytest exercises/day93`.

These use the course slides' worked example and small fixed inputs. More checks, with fresh random
inputs of other shapes, run when your work is graded: make your functions right for any input, not
just for these.
"""
import numpy as np
import pytest

from grader.checks import expect_array, expect_number, expect_unchanged

# The 5x5 binary image and the three 3x3 filters from the course slides.
IMAGE = np.array([[1, 1, 1, 0, 1],
                  [0, 0, 1, 0, 1],
                  [1, 0, 1, 0, 1],
                  [0, 1, 0, 0, 0],
                  [0, 0, 1, 0, 0]], dtype=float)
DIAGONAL = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
HORIZONTAL = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0]], dtype=float)
ZEBRA = np.array([[1, -1, 1], [1, -1, 1], [1, -1, 1]], dtype=float)

# Their feature maps (valid, stride 1). The slides print 3 at the diagonal map's bottom left: it is 2.
DIAGONAL_MAP = [[-2, 0, -2], [-4, -1, -2], [2, -3, -1]]
HORIZONTAL_MAP = [[3, 2, 2], [1, 1, 2], [2, 1, 2]]
ZEBRA_MAP = [[4, -2, 6], [2, -1, 4], [2, -1, 3]]
HORIZONTAL_FLIPPED_MAP = [[2, 1, 2], [1, 1, 0], [1, 1, 1]]  # what a flipped kernel (true convolution) gives

# A 5x6 image (height 5, width 6) and two kernels with biases 0.5 and -1.
WIDE = np.array([[-3, -2, -1, 0, 1, 2], [3, -3, -2, -1, 0, 1], [2, 3, -3, -2, -1, 0],
                 [1, 2, 3, -3, -2, -1], [0, 1, 2, 3, -3, -2]], dtype=float)
SOBEL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
WIDE_MAPS = [[[13.5, 13.0], [-0.5, -1.0], [-7.5, -1.0], [-7.5, -1.0]],
             [[13.5, -15.0], [13.5, 13.0], [-0.5, -1.0], [-7.5, -1.0]],
             [[-0.5, -1.0], [13.5, -15.0], [13.5, 13.0], [-0.5, -1.0]]]


@pytest.mark.points(1)
@pytest.mark.target("conv_single_step")
def test_conv_single_step_slides(learner):
    window = IMAGE[:3, :3]
    got = learner.call("conv_single_step", window, DIAGONAL, 0.5)
    expect_number(got, -1.5, what="conv_single_step(window, diagonal, bias=0.5)",
                  mistakes={"bias_every_product": -2 + 9 * 0.5, "bias_missing": -2.0})


@pytest.mark.points(1)
@pytest.mark.target("feature_map")
def test_feature_map_slides(learner):
    for name, kernel, want, flipped in (("diagonal", DIAGONAL, DIAGONAL_MAP, None),
                                        ("horizontal", HORIZONTAL, HORIZONTAL_MAP, HORIZONTAL_FLIPPED_MAP),
                                        ("zebra", ZEBRA, ZEBRA_MAP, None)):
        got = learner.call("feature_map", IMAGE, kernel)
        expect_array(got, want, what=f"feature_map(image, {name})", mistakes={"flipped_kernel": flipped},
                     shape_mistakes={"off_by_one": (2, 2)})


@pytest.mark.points(1)
@pytest.mark.target("feature_map")
def test_feature_map_keeps_its_input(learner):
    call = learner.run("feature_map", WIDE, SOBEL, 1.0)
    expect_unchanged(WIDE, call.args_after[0], function="feature_map", arg="image")
    expect_unchanged(SOBEL, call.args_after[1], function="feature_map", arg="kernel")


@pytest.mark.points(1)
@pytest.mark.target("feature_maps")
def test_feature_maps_stack(learner):
    got = learner.call("feature_maps", WIDE, np.stack([SOBEL, LAPLACE]), [0.5, -1.0])
    expect_array(got, WIDE_MAPS, what="feature_maps(image 5x6, 2 kernels)",
                 shape_mistakes={"maps_first_axis": (2, 3, 4), "hw_swapped": (4, 3, 2)})


@pytest.mark.points(1)
@pytest.mark.target("relu")
def test_relu_on_zebra_map(learner):
    zebra_map = np.array(ZEBRA_MAP, dtype=float)
    call = learner.run("relu", zebra_map)
    expect_array(call.value, np.maximum(zebra_map, 0), what="relu(zebra map)",
                 mistakes={"relu_abs": np.abs(zebra_map), "relu_inverted": np.minimum(zebra_map, 0)})
    expect_unchanged(np.array(ZEBRA_MAP, dtype=float), call.args_after[0], function="relu", arg="x")
