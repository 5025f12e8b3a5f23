"""`check("name")` inside a learner's notebook."""
import numpy as np

from grader.practice import check
from grader.results import Status


def correct_namespace():
    from scipy.signal import correlate2d

    def feature_map(image, kernel, bias=0.0):
        if np.ndim(image) == 2:
            return correlate2d(image, kernel, mode="valid") + bias
        return sum(correlate2d(image[..., c], kernel[..., c], mode="valid") for c in range(image.shape[-1])) + bias

    return {"feature_map": feature_map, "relu": lambda x: np.maximum(x, 0)}


def test_check_runs_the_public_checks_of_one_function(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)
    assert check("feature_map", lang="en", namespace=correct_namespace()) == [Status.PASSED, Status.PASSED]
    assert "2 of 2 public checks passed; 6 more checks run when your work is graded." in capsys.readouterr().out


def test_check_shows_the_same_messages_as_the_grader(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)

    def relu(x):
        x[x < 0] = 0
        return x

    assert check("relu", lang="zh-TW", namespace={"relu": relu}) == [Status.FAILED]
    assert "`relu` 直接修改了傳入的參數 `x`" in capsys.readouterr().out
    assert check("relu", lang="en", namespace={}) == [Status.ERROR]
    assert "No function named `relu`" in capsys.readouterr().out


def test_check_does_nothing_while_the_grader_runs_the_notebook(capsys, monkeypatch):
    monkeypatch.setenv("GRADER_GRADING", "1")
    assert check("relu", namespace={}) == []
    assert "grader runs the checks" in capsys.readouterr().out
