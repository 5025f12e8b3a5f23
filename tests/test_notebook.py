import nbformat
import pytest

from grader import exercise as exercises
from grader.cli import stubs
from grader.notebook import has_solution, read_submission, solution_lines, strip_solution

SOLUTION = '''def f(x):
    """doc"""
    ### BEGIN SOLUTION
    y = x + 1
    return y
    ### END SOLUTION
'''


def test_strip_solution_keeps_signature_and_indentation():
    stub = strip_solution(SOLUTION)
    assert stub.splitlines() == ['def f(x):', '    """doc"""', '    # 在這裡寫你的程式碼 / YOUR CODE HERE',
                                 '    raise NotImplementedError']


@pytest.mark.parametrize("bad", ["### END SOLUTION\n", "### BEGIN SOLUTION\nx\n", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n"])
def test_unbalanced_markers_are_an_error(bad):
    with pytest.raises(ValueError):
        strip_solution(bad)


def test_exercise_notebooks_are_generated_from_the_solutions():
    assert stubs(check=True) == [], "run `grader stubs` after editing solutions/"


def test_every_learner_function_is_a_stub_and_no_marker_is_left():
    for exercise in exercises.EXERCISES.values():
        code = [c.source for c in nbformat.read(exercise.stub, as_version=4).cells if c.cell_type == "code"]
        assert not any(has_solution(source) for source in code)
        for name in exercise.functions:
            (cell,) = [source for source in code if f"def {name}(" in source]
            assert cell.rstrip().endswith("raise NotImplementedError"), name
        solution_code = "\n".join(c.source for c in nbformat.read(exercise.solution, as_version=4).cells)
        assert len(solution_lines(solution_code)) >= len(exercise.functions)


def test_solutions_store_no_outputs():
    for exercise in exercises.EXERCISES.values():
        nb = nbformat.read(exercise.solution, as_version=4)
        assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")


def test_read_submission_reports_each_kind_of_unreadable_file(tmp_path):
    assert "No notebook" in read_submission(tmp_path / "missing.ipynb").problem.en
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(b"\xff\xfe not json")
    assert "not valid JSON" in read_submission(bad).problem.en
    empty = tmp_path / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hi")]), empty)
    assert "no code cells" in read_submission(empty).problem.en


def test_nbformat_3_notebooks_are_upgraded_and_read(tmp_path):
    v3 = nbformat.v3.new_notebook(worksheets=[nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell("x = 1")])])
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.v3.writes_json(v3))
    assert read_submission(path).cells == ("x = 1",)
