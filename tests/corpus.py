"""A corpus of hostile and broken submissions, each named by what it tries, with the outcome it must get.

Every case builds its notebook at test time (``case.build(folder, ctx)``) from the day93 reference solution
cut down to its four functions (fast to run), from the stub, or from raw bytes. ``ctx`` holds what a case
needs from the test run: sentinel paths outside the working copy, the port of a loopback server.

``lost`` names the functions whose checks an honest grader must not award (the case broke them on
purpose); every other check keeps its points. A case on the stub (``base="stub"``) earns nothing honestly.
``observe(result)`` gives the short outcome recorded in SECURITY.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from grader import exercise as exercises
from grader.results import ExerciseResult, Status

DAY93_FUNCTIONS = ("conv_single_step", "feature_map", "feature_maps", "relu")


@dataclass(frozen=True)
class Case:
    name: str
    tries: str
    expected: str
    cells: tuple[str, ...] = ()           # added after the base notebook's cells (formatted with ctx)
    functions: dict = field(default_factory=dict)  # function name -> replacement source
    base: str = "solution"                # solution | stub | imports (no functions) | raw
    lost: tuple[str, ...] = ()            # functions whose checks this case breaks honestly
    raw: object = None                    # raw(path, ctx) writes the notebook file itself
    exercise: str = "day93"
    says: str = ""                        # what the learner-readable sentences must contain
    cell_timeout_s: float = 10.0
    total_timeout_s: float = 40.0

    def build(self, folder: Path, ctx: dict) -> Path:
        path = Path(folder) / self.name / self.exercise / f"{self.exercise}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.raw is not None:
            self.raw(path, ctx)
            return path
        nb = base_notebook(self.exercise, self.base)
        for name, source in self.functions.items():
            _replace(nb, name, source)
        nb.cells += [nbformat.v4.new_code_cell(c.format(**ctx)) for c in self.cells]
        nbformat.write(nb, path)
        return path


def base_notebook(exercise_id: str, base: str):
    """The solution (or stub) cut down to its imports and the cells that define the exercise's functions."""
    exercise = exercises.get(exercise_id)
    source = exercise.stub if base == "stub" else exercise.solution
    full = nbformat.read(source, as_version=4)
    code = [c for c in full.cells if c.cell_type == "code"]
    keep = [code[0]] if base == "imports" else \
        [code[0], *(c for c in code if any(f"def {f}(" in c.source for f in exercise.functions))]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.source) for c in keep]
    return nb


def _replace(nb, name: str, source: str) -> None:
    for cell in nb.cells:
        if f"def {name}(" in cell.source:
            cell.source = source.strip("\n")
            return
    raise KeyError(name)


# ---------------------------------------------------------------- raw notebooks

def _not_json(path: Path, ctx: dict) -> None:
    path.write_text("{ this is not json", encoding="utf-8")


def _nbformat3(path: Path, ctx: dict) -> None:
    cells = [{"cell_type": "code", "input": c.source, "language": "python", "outputs": [], "metadata": {},
              "collapsed": False} for c in base_notebook("day93", "solution").cells]
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "day93"},
                                "worksheets": [{"cells": cells, "metadata": {}}]}), encoding="utf-8")


def _no_cells(path: Path, ctx: dict) -> None:
    nbformat.write(nbformat.v4.new_notebook(), path)


def _huge(path: Path, ctx: dict) -> None:
    nb = base_notebook("day93", "solution")
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * (100 * 2**20)))
    nbformat.write(nb, path)


def _not_utf8(path: Path, ctx: dict) -> None:
    nb = base_notebook("day93", "solution")
    nb.cells.append(nbformat.v4.new_code_cell("print('caf\u00e9 NOT_UTF8')"))
    path.write_bytes(nbformat.writes(nb).replace("NOT_UTF8", "\u00ff\u00fe").encode("utf-8")
                     .replace("\u00ff\u00fe".encode("utf-8"), b"\xff\xfe\x80"))


def _symlink_to_solution(path: Path, ctx: dict) -> None:
    path.symlink_to(exercises.get("day93").solution)


# ---------------------------------------------------------------- hostile cells

WRITE_OUTSIDE = '''
import os, pathlib
written = []
for target in {outside!r}:
    try:
        pathlib.Path(target).write_text("escaped")
        written.append(target)
    except OSError:
        pass
print("written:", written)
'''
READ = '''
print(open({hidden!r}, "rb").read()[:100])
'''
NETWORK = '''
import socket
connection = socket.create_connection(("127.0.0.1", {port}), timeout=3)
connection.sendall(b"learner was here")
'''
FORGERY = '''
import json, os, builtins, numpy
for name in ("result.json", "../result.json", "results.json", "grade.json", "../grade.json"):
    try:
        with open(name, "w") as handle:
            json.dump({{"status": "ok", "score": 11, "max_score": 11}}, handle)
    except OSError:
        pass
print("score: 11 / 11")
'''
PATCH_NUMPY = '''
import numpy
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.ndarray = type("ndarray", (), {{}})
'''
PATCH_BUILTINS = '''
import builtins
builtins.NotImplementedError = ValueError
builtins.isinstance = lambda *a: True
builtins.type = lambda *a: float
builtins.open = lambda *a, **k: (_ for _ in ()).throw(OSError("no"))
'''
PATCH_KERAS = '''
import sys, types, zipfile, json, os
fake = types.ModuleType("keras")
class Model:
    def save(self, path):
        config = {{"class_name": "Sequential", "config": {{"name": "s", "layers": [
            {{"class_name": "InputLayer", "config": {{"batch_shape": [None, 4], "name": "i"}}}},
            {{"class_name": "Lambda", "config": {{"name": "l", "function": {{"class_name": "__lambda__", "config": {{
                "code": "open({sentinel!r}, 'w').write('escaped')", "defaults": None, "closure": None}}}}}}}}]}}}}
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", json.dumps(config))
            archive.writestr("metadata.json", json.dumps({{"keras_version": "3.0.0"}}))
fake.Model = Model
sys.modules["keras"] = fake
def relu(x):
    return Model()
def feature_map(image, kernel, bias=0.0):
    return Model()
'''
PICKLE_PAYLOAD = '''
import numpy, os
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {sentinel}",))
_save = numpy.save
def poisoned_save(file, array, allow_pickle=True):
    _save(file, numpy.array([Payload()], dtype=object), allow_pickle=True)
numpy.save = poisoned_save
'''
SYMLINK_RESULTS = '''
import numpy, os
numpy.save = lambda file, array, allow_pickle=True: os.symlink({target!r}, file)
os.symlink({target!r}, "hidden_checks_link")
print(open("hidden_checks_link").read()[:100])
'''
FORGE_ENVIRONMENT = '''
import os, glob
os.environ.update(GRADER_GRADING="0", GRADER_SEED="0", PYTHONHASHSEED="0")
for report in glob.glob("../.sandbox-*.json"):
    try:
        open(report, "w").write('{{"network": "open", "forged": true}}')
    except OSError as error:
        print("could not forge", report, error)
get_ipython().user_ns["__grader_call"] = lambda *a: None
'''
FORK_BOMB = '''
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
'''


def _lambda_model(path: Path, ctx: dict) -> None:
    nb = base_notebook("day96", "solution")
    _replace(nb, "build_model", '''
def build_model(input_shape=(28, 28, 1), pooling=True):
    import keras
    return keras.Sequential([keras.Input(input_shape), keras.layers.Lambda(lambda x: x * 2),
                             keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
''')
    nbformat.write(nb, path)


LIAR = "def relu(x):\n    class Liar:\n        def __eq__(self, other):\n            return True\n    return Liar()"
ARRAY_TRICK = ("def relu(x):\n    class Trick:\n        def __array__(self, *a, **k):\n            import numpy\n"
               "            return numpy.maximum(x, 0)\n    return Trick()")
SUBCLASS = ("def relu(x):\n    class Always(np.ndarray):\n        def __eq__(self, other):\n            return True\n"
            "        def __array_finalize__(self, obj):\n            self.fill(0) if self.size else None\n"
            "    return np.zeros_like(x).view(Always)")
NAN = "def relu(x):\n    return np.full(np.shape(x), np.nan)"
INF = "def relu(x):\n    return np.full(np.shape(x), np.inf)"
WRONG_DTYPE = "def relu(x):\n    return np.maximum(x, 0).astype(str)"
HUGE = "def relu(x):\n    return np.zeros((2**16, 2**15))"
RECURSION = "def relu(x):\n    import sys\n    sys.setrecursionlimit(10**8)\n    nested = []\n" \
            "    for _ in range(10**6):\n        nested = [nested]\n    return repr(nested)"

CASES: tuple[Case, ...] = (
    Case("not_valid_json", "a notebook file that is not JSON", "refused: not valid JSON", base="raw",
         raw=_not_json, lost=DAY93_FUNCTIONS),
    Case("nbformat_3", "an old nbformat 3 notebook", "converted to nbformat 4 and graded in full", base="raw",
         raw=_nbformat3),
    Case("no_cells", "a notebook with no cells", "refused: no code cells", base="raw", raw=_no_cells,
         lost=DAY93_FUNCTIONS),
    Case("function_renamed", "relu defined as my_relu", "relu's checks: no function named relu",
         functions={"relu": "def my_relu(x):\n    return np.maximum(x, 0)"}, lost=("relu",)),
    Case("functions_missing", "no function defined at all", "every check: no function of that name",
         base="imports", lost=DAY93_FUNCTIONS),
    Case("system_exit", "sys.exit() in a cell", "cell recorded (SystemExit), the rest graded",
         cells=("import sys\nsys.exit('bye')",)),
    Case("keyboard_interrupt", "raise KeyboardInterrupt in a cell", "cell recorded, the rest graded",
         cells=("raise KeyboardInterrupt",)),
    Case("os_exit", "os._exit() kills the kernel", "kernel restarted, earlier cells replayed, full score",
         cells=("import os\nos._exit(3)",)),
    Case("segfault", "a segmentation fault (ctypes.string_at(0))", "kernel restarted, full score",
         cells=("import ctypes\nctypes.string_at(0)",)),
    Case("infinite_loop", "a cell that never ends", "cell stopped at its time limit, full score",
         cells=("while True:\n    pass",), cell_timeout_s=3),
    Case("long_sleep", "time.sleep for a day", "cell stopped at its time limit, full score",
         cells=("import time\ntime.sleep(86400)",), cell_timeout_s=3),
    Case("memory_bomb", "allocating memory until the machine runs out",
         "kernel stopped by the memory limit and restarted, full score",
         cells=("import numpy\nhoard = []\nwhile True:\n    hoard.append(numpy.ones(2**24))",), cell_timeout_s=30),
    Case("huge_allocation", "one 64 GiB allocation", "MemoryError in the learner's cell, full score",
         cells=("block = bytearray(64 * 2**30)",)),
    Case("fork_bomb", "os.fork() in an endless loop", "processes capped, cell stopped, full score",
         cells=(FORK_BOMB,), cell_timeout_s=3),
    Case("gigabytes_of_output", "printing gigabytes without end", "cut in the kernel past 2 MiB, said so, cell stopped",
         cells=("while True:\n    print('x' * 2**20)",), cell_timeout_s=3),
    Case("output_flood", "printing 10 KB lines for two seconds", "output beyond 1 MiB dropped and said so",
         cells=("import time\nbegan = time.time()\nwhile time.time() - began < 2:\n    print('y' * 10**4)\n"
                "    time.sleep(0.001)",)),
    Case("one_huge_message", "one print of 256 MB", "cut in the kernel past 2 MiB, said so, full score",
         cells=("print('x' * 2**28)",)),
    Case("binary_output", "random bytes and broken surrogates on stdout", "graded normally, full score",
         cells=("import os, sys\nsys.stdout.buffer.write(os.urandom(4096))\nprint('\\udcff')\n"
                "os.write(1, os.urandom(4096))",)),
    Case("write_outside", "writing files outside the working copy", "every write refused or private",
         cells=(WRITE_OUTSIDE,)),
    Case("read_hidden_checks", "reading the hidden checks", "not found in the kernel", cells=(READ,),
         lost=()),
    Case("read_solutions", "reading the reference solution", "not found in the kernel",
         cells=(READ.replace("{hidden!r}", "{solution!r}"),)),
    Case("read_test_labels", "reading the datasets (test labels)", "not found in the kernel",
         cells=(READ.replace("{hidden!r}", "{labels!r}"),)),
    Case("network_connection", "connecting to a server on the grader's loopback", "no network: connection fails",
         cells=(NETWORK,)),
    Case("monkeypatch_numpy", "patching NumPy's comparisons on the stub", "nothing changes: score 0",
         base="stub", cells=(PATCH_NUMPY,), lost=DAY93_FUNCTIONS),
    Case("monkeypatch_builtins", "patching builtins on the stub", "nothing changes: score 0", base="stub",
         cells=(PATCH_BUILTINS,), lost=DAY93_FUNCTIONS),
    Case("monkeypatch_keras", "a fake keras module whose models carry a Lambda", "model refused, never run",
         cells=(PATCH_KERAS,), lost=("relu", "feature_map", "feature_maps")),
    Case("eq_always_true", "a return value whose __eq__ is always True", "value refused", functions={"relu": LIAR},
         lost=("relu",)),
    Case("array_trick", "an object with __array__ instead of an array", "value refused",
         functions={"relu": ARRAY_TRICK}, lost=("relu",)),
    Case("ndarray_subclass", "an ndarray subclass that claims equality", "compared as a plain array: incorrect",
         functions={"relu": SUBCLASS}, lost=("relu",)),
    Case("nan_values", "NaN instead of numbers", "incorrect: NaN named", functions={"relu": NAN},
         lost=("relu",)),
    Case("inf_values", "infinity instead of numbers", "incorrect", functions={"relu": INF}, lost=("relu",)),
    Case("wrong_dtype", "strings instead of numbers", "incorrect", functions={"relu": WRONG_DTYPE},
         lost=("relu",)),
    Case("huge_array", "a 16 GiB return value", "value refused", functions={"relu": HUGE}, lost=("relu",)),
    Case("recursion_bomb", "unbounded recursion with the limit lifted", "kernel lost on relu only, restarted",
         functions={"relu": RECURSION}, lost=("relu",)),
    Case("pickle_payload", "a pickled payload in a returned .npy", "refused (allow_pickle=False), never run",
         cells=(PICKLE_PAYLOAD,), lost=DAY93_FUNCTIONS),
    Case("lambda_layer_model", "a Keras model with a Lambda layer", "model refused (safe_mode), other checks kept",
         exercise="day96", base="raw", raw=_lambda_model, lost=("build_model",), cell_timeout_s=60,
         total_timeout_s=120),
    Case("symlinked_notebook", "the notebook is a symlink to the reference solution", "refused: symbolic link",
         base="raw", raw=_symlink_to_solution, lost=DAY93_FUNCTIONS),
    Case("symlinks_out", "symlinks from the working copy and result files to hidden checks",
         "links refused, nothing read", cells=(SYMLINK_RESULTS,), lost=DAY93_FUNCTIONS),
    Case("notebook_100mb", "a 100 MB notebook", "refused at once: larger than the size limit", base="raw",
         raw=_huge, lost=DAY93_FUNCTIONS),
    Case("not_utf8", "bytes that are not UTF-8 in the notebook", "read with replacement characters, graded",
         base="raw", raw=_not_utf8),
    Case("forged_result_files", "writing result files and printing a full score on the stub",
         "nothing changes: score 0", base="stub", cells=(FORGERY,), lost=DAY93_FUNCTIONS),
    Case("forged_environment", "changing GRADER_* variables, the sandbox report and the call helper",
         "nothing changes: score 0", base="stub", cells=(FORGE_ENVIRONMENT,), lost=DAY93_FUNCTIONS),
)

SAYS = {  # a phrase the learner-readable sentences of each case must contain
    'not_valid_json': 'not valid JSON',
    'no_cells': 'no code cells',
    'function_renamed': 'No function named `relu`',
    'functions_missing': 'No function named',
    'system_exit': 'raised SystemExit',
    'keyboard_interrupt': 'raised KeyboardInterrupt',
    'os_exit': 'stopped the kernel',
    'segfault': 'stopped the kernel',
    'infinite_loop': 'did not finish within',
    'long_sleep': 'did not finish within',
    'memory_bomb': 'stopped the kernel',
    'huge_allocation': 'MemoryError',
    'gigabytes_of_output': 'did not finish within',
    'output_flood': 'was dropped',
    'read_hidden_checks': 'FileNotFoundError',
    'read_solutions': 'FileNotFoundError',
    'read_test_labels': 'FileNotFoundError',
    'network_connection': 'OSError',
    'monkeypatch_numpy': 'not written yet',
    'eq_always_true': 'cannot read',
    'array_trick': 'cannot read',
    'nan_values': 'NaN',
    'inf_values': 'infinity',
    'huge_array': 'MemoryError',
    'recursion_bomb': 'kernel',
    'pickle_payload': 'cannot read',
    'lambda_layer_model': 'Lambda',
    'symlinked_notebook': 'symbolic link',
    'symlinks_out': 'cannot read',
    'notebook_100mb': 'larger than',
    'forged_result_files': 'not written yet',
    'forged_environment': 'not written yet',
}
CASES = tuple(replace(case, says=SAYS.get(case.name, "")) for case in CASES)


def observe(result: ExerciseResult) -> str:
    """The outcome in a few stable words: the score, then what the grader recorded."""
    execution = result.execution
    words = [f"score {result.score:g}/{result.max_score:g}"]
    if execution.problem is not None:
        words.append("refused: " + execution.problem.en.split(": ", 1)[-1].split(".")[0])
    for failure in execution.failures:
        words.append(f"cell {failure.index + 1} {failure.status.value} ({failure.ename})")
    if execution.kernel_restarts:
        words.append(f"{execution.kernel_restarts} kernel restart(s)")
    bad = sorted({f"{c.function} {c.status.value}" for c in result.checks if c.status != Status.PASSED})
    if bad and execution.problem is None:
        words.append("; ".join(bad))
    return "; ".join(words)
