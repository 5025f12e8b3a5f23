"""The notebooks' pictures teach: checked on the matplotlib objects themselves, after running the solution's cells
in this process with the non-interactive Agg backend (plt.show() then leaves every figure open)."""
import itertools

import matplotlib
import nbformat
import pytest

from grader import exercise as exercises

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def run_notebook_here(exercise_id: str) -> dict:
    """Execute every code cell of the solution notebook in one namespace; returns the namespace."""
    nb = nbformat.read(exercises.get(exercise_id).solution, as_version=4)
    namespace = {"__name__": "__main__"}
    plt.close("all")
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, f"<{exercise_id} cell>", "exec"), namespace)   # noqa: S102 - our own notebook
    return namespace


def figure_with_title(part: str):
    for number in plt.get_fignums():
        figure = plt.figure(number)
        if any(part in ax.get_title() for ax in figure.axes):
            return figure
    raise AssertionError(f"no figure has an axes titled with {part!r}")


def overlapping_tick_labels(figure) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty tick labels whose drawn boxes overlap."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    labels = [label for ax in figure.axes for axis in (ax.xaxis, ax.yaxis)
              for label in axis.get_ticklabels() if label.get_visible() and label.get_text()]
    boxes = [(label.get_text(), label.get_window_extent(renderer)) for label in labels]
    return [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]


@pytest.fixture(scope="module")
def day93():
    run_notebook_here("day93")
    yield
    plt.close("all")


@pytest.mark.slow
def test_day93_maps_before_and_after_relu_share_one_colour_scale_with_a_colour_bar(day93):
    figure = figure_with_title("before ReLU")
    maps = [ax for ax in figure.axes if "ReLU" in ax.get_title()]
    assert len(maps) == 6
    scales = {ax.images[0].get_clim() for ax in maps}
    assert len(scales) == 1, f"each map has its own colour scale: {scales}"
    vmin, vmax = scales.pop()
    assert vmin == -vmax and vmax > 0
    colour_bars = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 1
    assert tuple(colour_bars[0].get_ylim()) == (vmin, vmax)
    assert overlapping_tick_labels(figure) == []


@pytest.mark.slow
def test_day96_parameter_charts_share_one_scale_without_offset_or_overlapping_labels():
    run_notebook_here("day96")
    try:
        figure = figure_with_title("Without pooling")
        with_pooling = next(ax for ax in figure.axes if ax.get_title().startswith("With pooling"))
        without = next(ax for ax in figure.axes if ax.get_title().startswith("Without pooling"))
        assert with_pooling.get_xlim() == without.get_xlim()
        assert with_pooling.get_shared_x_axes().joined(with_pooling, without)
        # the longest bar of each chart, on that one scale: ~20x apart, and the scale shows it
        longest = [max(patch.get_width() for patch in ax.patches) for ax in (with_pooling, without)]
        assert longest[1] > 10 * longest[0]
        assert without.get_xlim()[1] >= longest[1]
        figure.canvas.draw()
        assert with_pooling.xaxis.get_offset_text().get_text() == ""   # no "1e6" hiding the magnitude
        assert without.xaxis.get_offset_text().get_text() == ""
        for number in plt.get_fignums():
            assert overlapping_tick_labels(plt.figure(number)) == [], f"figure {number}"
    finally:
        plt.close("all")
