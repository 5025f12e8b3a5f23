"""day97's judgements, shared by its public and hidden checks: scaled images, label formats, the loss that
matches them, and the trained model's accuracy on the real MNIST test set, measured in the grader's process.

The test images never enter the learner's kernel: the model comes out of it (``.keras``, ``safe_mode=True``)
and is evaluated here, on the grader's own copy of the test split, scaled by the reference rule.
"""
from __future__ import annotations

import ast
import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

from grader.checks import as_numeric_array, expect_array, expect_keras_model, expect_unchanged, fail, remember
from grader.datasets import load_mnist_test
from grader.learner import compile_config, learning_rate, loss_name, optimizer_steps

MAX_RATE = 0.01           # RMSprop/Adam above this (0.001 is usual) jump around instead of settling
UNSCALED_MARGIN = 0.05     # raw pixels doing this much better than scaled ones means training on raw pixels
BATCH = 1000
CACHED_MODELS = 8
TRAINED_MIN = 0.5          # test accuracy of a model that was trained at all: 5x chance (one epoch on 6,000: ~0.9)
_ACCURACY: dict[tuple[str, str], "MnistAccuracy"] = {}
_UNMOVED: dict[str, tuple[float, float]] = {}   # fingerprint -> (clean, raw): they do not depend on the run's seed


def reference_scale(images: np.ndarray) -> np.ndarray:
    return (images.astype("float32") / 255)[..., np.newaxis]


def expect_scaled(got, images: np.ndarray, *, what: str) -> None:
    """``got`` must be ``images / 255`` with a channel axis; name unscaled pixels and misplaced channels."""
    want = reference_scale(images)
    got = as_numeric_array(got, what=what)
    n = images.shape[0]
    if got.shape == (n, 1, 28, 28):
        fail("mnist_channels_first", what=what, expected=want.shape, got=got.shape)
    if got.shape == images.shape:
        fail("mnist_no_channel_axis", what=what, expected=want.shape, got=got.shape)
    if got.size and got.max() > 1.5:
        fail("mnist_not_scaled", what=what, largest=float(got.max()))
    expect_array(got, want, what=what, atol=1e-6, rtol=1e-5)


def check_scale_images(learner, images: np.ndarray) -> None:
    """Call the learner's ``scale_images`` on ``images``: scaled right, and the argument left as it was."""
    call = learner.run("scale_images", images.copy())
    expect_scaled(call.value, images, what="scale_images(images)")
    expect_unchanged(images, call.args_after[0], function="scale_images", arg="images")


def label_format(got, labels: np.ndarray, *, what: str) -> str:
    """``"integer"`` or ``"one-hot"`` when ``got`` encodes ``labels`` in that format; a failure otherwise."""
    n = labels.shape[0]
    array = as_numeric_array(got, what=what)
    if array.shape == (n,) and np.array_equal(array, labels):
        return "integer"
    if array.shape == (n, 10) and np.array_equal(array, np.eye(10)[labels]):
        return "one-hot"
    fail("labels_format", what=what, n=n, got=f"shape {array.shape}")


def expect_loss_matches(model, labels_format: str, *, what: str) -> None:
    config = compile_config(model)
    if config is None:
        fail("model_not_compiled", what=what)
    loss = loss_name(config) or str(config.get("loss"))
    if loss in ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"):
        fail("loss_binary", got=loss)
    wanted = {"integer": "sparse_categorical_crossentropy", "one-hot": "categorical_crossentropy"}[labels_format]
    if loss == wanted:
        return
    if loss == "categorical_crossentropy":
        fail("loss_onehot_with_integers")
    if loss == "sparse_categorical_crossentropy":
        fail("loss_sparse_with_onehot")
    fail("loss_other", got=loss)


# ---------------------------------------------------------------- the trained model on the test set
#
# The public test images can be carried inside a notebook and looked up (a Dense layer whose weights are the test
# images, then argmax to the stored labels): accuracy 1.0000 without training. So the accuracy that earns points is
# checked against the same digits moved by one pixel, each in a direction drawn from the run's seed: a convnet
# that learned digits loses about 0.01 (the course notes' convnet: 0.993 -> 0.982-0.984 over seeds 97, 7, 3), a
# pixel lookup 0.055-0.07 (1.0000 -> 0.928-0.945). Points go on min(clean, moved + MOVED_ALLOWANCE), so looking
# up some test images gains at most MOVED_ALLOWANCE minus what moving costs the model. Not closed: a lookup made
# tolerant of small moves (input and templates blurred by a fixed Gaussian Conv2D: 0.98 moved; the test images as
# 28 x 28 Conv2D filters with global max pooling: 1.00); closing that needs digits a learner cannot obtain.

MOVED_ALLOWANCE = 0.02     # what moving every digit one pixel may cost a model that learned digits
DIRECTIONS = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)])


@dataclass(frozen=True)
class MnistAccuracy:
    """A model's accuracy on the 10,000 real test images: as they are, moved one pixel, and unscaled."""

    clean: float      # test images scaled by the reference rule
    moved: float      # the same digits, each moved one pixel (8 directions, drawn from the run's seed)
    raw: float        # pixels left in 0..255 (0.0 when not measured: clean >= 0.99)

    @property
    def credited(self) -> float:
        """The accuracy that earns points: the clean one, unless the model falls apart once the digits move."""
        return min(self.clean, self.moved + MOVED_ALLOWANCE)


def moved_generator(seed: int) -> np.random.Generator:
    """The generator of a run's moved digits: one per run seed, shared by the three accuracy checks."""
    return np.random.default_rng([seed, zlib.crc32(b"moved_digits")])


def directions(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2) int offsets (dy, dx), each one of the 8 one-pixel moves, drawn from ``rng``."""
    return DIRECTIONS[rng.integers(0, len(DIRECTIONS), size=n)]


def moved_digits(images: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``images`` (n, H, W) with image i moved by ``offsets[i]`` = (dy, dx) pixels (|dy|, |dx| <= 1), zeros
    coming in at the edge it leaves."""
    h, w = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    moved = np.empty_like(images)
    for dy, dx in np.unique(offsets, axis=0):   # one slice per direction, not one per image
        chosen = np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx))
        moved[chosen] = padded[chosen, 1 - dy:1 - dy + h, 1 - dx:1 - dx + w]
    return moved


def fingerprint(model) -> str:
    """sha256 of a model's architecture and weights: the same model loaded twice gives the same fingerprint."""
    digest = hashlib.sha256(type(model).__name__.encode())
    for layer in model.layers:
        digest.update(f"{type(layer).__name__}:{layer.name}".encode())
    for weights in model.get_weights():
        digest.update(str(weights.shape).encode() + np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()


INPUT_SHAPES = ((28, 28, 1), (28, 28), (784,))   # the shapes a model may take one MNIST image in


def _fit_input(model, images: np.ndarray) -> np.ndarray:
    """Test images shaped for the model's input, one of ``INPUT_SHAPES`` (an input of any height and width,
    ``(None, None, 1)``, gets (28, 28, 1)), or a failure."""
    shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    fits = [want for want in INPUT_SHAPES if shape is not None and len(shape) == len(want)
            and all(d is None or d == w for d, w in zip(shape, want))]
    if not fits:
        fail("model_input_incompatible", got=(None, *shape) if shape else "unknown")
    return images.reshape((images.shape[0], *fits[0]))


def _accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    inputs = _fit_input(model, images)
    predicted = np.concatenate([np.asarray(model(inputs[i:i + BATCH], training=False)).argmax(axis=-1)
                                for i in range(0, len(inputs), BATCH)])
    return float((predicted == labels).mean())


def accuracy_on_test_set(model, rng: np.random.Generator) -> MnistAccuracy:
    """The model's :class:`MnistAccuracy`, the directions of the moved digits drawn from ``rng``; measured once
    per model and directions (the three accuracy checks of a run share one measurement; the same model graded
    again with another seed is only measured again on its moved digits)."""
    images, labels = load_mnist_test()
    offsets = directions(rng, len(images))
    model_key = fingerprint(model)
    key = (model_key, hashlib.sha256(offsets.tobytes()).hexdigest())
    if key not in _ACCURACY:
        scaled, raw = _unmoved(model, model_key)
        moved = _accuracy(model, reference_scale(moved_digits(images, offsets)), labels)
        remember(_ACCURACY, key, MnistAccuracy(clean=scaled, moved=moved, raw=raw), limit=CACHED_MODELS)
    return _ACCURACY[key]


def _unmoved(model, model_key: str) -> tuple[float, float]:
    """(accuracy on the test images scaled by the reference rule, on raw pixels (0.0 when scaled >= 0.99)), measured
    once per model (``fingerprint``): they do not depend on the run's seed."""
    if model_key not in _UNMOVED:
        images, labels = load_mnist_test()
        scaled = _accuracy(model, reference_scale(images), labels)
        raw = _accuracy(model, images.astype("float32")[..., np.newaxis], labels) if scaled < 0.99 else 0.0
        remember(_UNMOVED, model_key, (scaled, raw), limit=CACHED_MODELS)
    return _UNMOVED[model_key]


def expect_trained(model, *, what: str) -> float:
    """``model`` is a Keras model that ``fit`` trained: its optimizer took at least one step
    (:func:`grader.learner.optimizer_steps`; a model filled in by hand, such as one that looks the test images up,
    took none) and its test accuracy is at least ``TRAINED_MIN``, on the test images scaled by the reference rule
    or on raw pixels (a model trained on unscaled images was trained; the scaling checks judge the scaling): that
    accuracy is returned. Otherwise a failure: ``wrong_type`` (not a model), ``model_not_fitted``,
    ``model_input_incompatible``, ``model_not_trained``. The checks of the training (no test data in ``fit``,
    the learning curve) judge ``trained_model()`` with it."""
    expect_keras_model(model, what=what)
    if optimizer_steps(model) < 1:
        fail("model_not_fitted")
    accuracy = max(_unmoved(model, fingerprint(model)))
    if accuracy < TRAINED_MIN:
        fail("model_not_trained", accuracy=accuracy, threshold=TRAINED_MIN)
    return accuracy


def forget() -> None:
    """Drop this process's accuracy measurements: the next model is measured in full even if one with the same
    fingerprint was measured before (benchmarks/grading_overhead.py grades one notebook as if each time a new
    learner's)."""
    _ACCURACY.clear()
    _UNMOVED.clear()


def expect_accuracy(model, accuracy: MnistAccuracy, threshold: float, labels_format: str | None = None) -> float:
    """The credited accuracy of ``model`` (measured as ``accuracy``), or a failure naming why it is below
    ``threshold``: the test images looked up, unscaled pixels, a loss that does not match ``labels_format``
    (``"integer"``/``"one-hot"``, None when unknown), a learning rate too high, or too little training."""
    if accuracy.credited >= threshold:
        return accuracy.credited
    if accuracy.clean >= threshold:      # only the moved digits are missing: the test images were looked up
        fail("accuracy_memorised", clean=accuracy.clean, moved=accuracy.moved, credited=accuracy.credited,
             allowance=MOVED_ALLOWANCE, threshold=threshold)
    if accuracy.raw > accuracy.clean + UNSCALED_MARGIN:
        fail("accuracy_unscaled", accuracy=accuracy.clean, raw=accuracy.raw)
    if labels_format is not None:
        expect_loss_matches(model, labels_format, what="trained_model()")
    rate = learning_rate(compile_config(model))
    if rate is not None and rate > MAX_RATE:
        fail("accuracy_rate_too_high", accuracy=accuracy.clean, rate=rate, threshold=threshold)
    fail("accuracy_below", accuracy=accuracy.credited, threshold=threshold)


# ---------------------------------------------------------------- the notebook's fit calls

TEST_NAME = re.compile(r"(?:^|_)test", re.IGNORECASE)   # x_test, test_images, testX; not "latest"
# ... but not a number or a flag about the test split: test_size, TEST_FRAC, n_test, num_test, TEST_SEED, testing
NOT_TEST_DATA_NAME = re.compile(r"(?:size|frac|fraction|ratio|split|seed|count|len|pct|percent|rate|portion|idx|"
                                r"index|steps?|mode|ing|shape|dims?|dtype|acc|accuracy|loss|score)$|"
                                r"^(?:n|num|len|is|use|do)_", re.IGNORECASE)
LOADER = re.compile(r"^load", re.IGNORECASE)           # load_mnist(), mnist.load_data(): (train), (test) pairs
MAX_FOUND = 10                                          # calls reported; the check names the first
# The data a training call takes: (keyword, position) of Keras's Model.fit(x, y, batch_size, epochs, verbose,
# callbacks, validation_split, validation_data, ...) and train_on_batch(x, y, ...). Other arguments (epochs,
# validation_split=test_size, ...) are not data, whatever their names.
TRAINING_DATA = {"fit": (("x", 0), ("y", 1), ("validation_data", 7)), "train_on_batch": (("x", 0), ("y", 1))}
CODE_MAGICS = {"time", "timeit", "prun", "capture"}     # magics whose argument is Python run in the notebook
NOT_DATA = {"shape", "ndim", "size", "dtype", "cardinality"}   # x_test.shape[0] is a number, not test data
NOT_DATA_CALLS = {"len", "range", "int", "float", "shape", "ndim", "size", "cardinality"}   # len(x), np.shape(x)
ESTIMATOR_MODULES = ("sklearn", "umap")                 # PCA(2).fit(x_test) draws a picture; it trains no network
MAGIC_DEPTH = 3
MAX_SCANNED_CELL = 2**20                                # characters; a longer cell is passed over (no claim)
MAX_IPYTHON_LINES = 1000                                # lines of IPython syntax in one cell, 0.08 ms each
IPYTHON_LINE = re.compile(r"^\s*[%!?]|\?\s*$|^\s*[\w.,\[\]()* ]+=\s*[!%]")   # %magic, !cmd, obj?, x = !cmd


def fit_calls_with_test_data(cells: tuple[str, ...]) -> list[tuple[int, str]]:
    """(code cell number from 1, the call's source) for every training call (``fit``, ``train_on_batch``) whose
    data (x, y or validation_data) is test data, read from the notebook's source, cells in order.

    Test data: a name such as ``x_test`` or ``test_images`` (:data:`TEST_NAME`), the second pair of a loader's
    ``(x_train, y_train), (x_test, y_test) = ...``, and what is assigned from them (``a, b = x_test, y_test``;
    ``x = np.concatenate([x_train, x_test])``), until reassigned. Not counted: names used as sizes or indices
    (``x_train[:-n_test]``, ``len(x_test)``, ``x_test.shape``), arguments that are not data
    (``validation_split=test_size``), and scikit-learn objects' ``fit`` (``PCA(2).fit(x_test)``). IPython
    syntax (``!ls``, ``model.fit?``, ``%time``, ``%%time``) is read as IPython reads it; a cell that is still not
    Python is passed over (nothing is claimed about it). Aliases such as ``train = model.fit`` are followed; data
    reached by other means (``globals()["x_test"]``, a function's parameters) is not: the kernel's test split is a
    stand-in taken from the training images, so hiding it gains nothing (README, day97)."""
    scan = _FitScan()
    for number, cell in enumerate(cells, start=1):
        if len(scan.found) >= MAX_FOUND:
            break
        parsed = _parse(cell)
        if parsed is None:
            continue
        scan.cell, (tree, scan.source) = number, parsed
        scan.lines = None
        try:
            scan.visit(tree)
        except (RecursionError, MemoryError):
            continue     # nested too deeply to follow: passed over like a cell that does not parse
        except _Enough:
            break
    return scan.found[:MAX_FOUND]


class _Once:
    """A value computed on its first call and remembered (an assignment's value is read once, whatever the
    number of its targets: ``a = a = ... = [b, ...]`` was quadratic)."""

    def __init__(self, compute):
        self.compute, self.done, self.value = compute, False, None

    def __call__(self):
        if not self.done:
            self.value, self.done = self.compute(), True
        return self.value


class _Enough(Exception):
    """``MAX_FOUND`` calls found: the scan stops (a cell of 20,000 of them took 111 s to list)."""


def _is_test_name(name: str) -> bool:
    return bool(TEST_NAME.search(name)) and not NOT_TEST_DATA_NAME.search(name)


def _parse(cell: str) -> tuple[ast.AST, str] | None:
    """(tree, its Python source): the cell with IPython's syntax (``!ls``, ``x = !ls``, ``model.fit?``,
    ``%time ...``) turned into the calls IPython makes, line by line (:func:`_python_line`); a ``%%time``-like cell
    magic's body read as Python. None when it is not Python even so, is another cell magic (``%%bash``), is longer
    than ``MAX_SCANNED_CELL`` or has more than ``MAX_IPYTHON_LINES`` lines of IPython syntax."""
    if not isinstance(cell, str) or len(cell) > MAX_SCANNED_CELL:
        return None
    lines = re.split(r"\r\n|\r|\n", cell)
    if lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in CODE_MAGICS:
            return None
        lines = [""] + lines[1:]      # line numbers as in the cell
    if sum(1 for line in lines if IPYTHON_LINE.search(line)) > MAX_IPYTHON_LINES:
        return None
    code = "\n".join(_python_line(line) for line in lines)
    try:
        return ast.parse(code), code
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _python_line(line: str) -> str:
    """One line as IPython runs it, by IPython's own transformer (``TransformerManager``). It is given lines one
    at a time: given a whole cell it makes a pass over the cell for each magic, 12 s for a 62 KB cell holding 100
    of them."""
    if not IPYTHON_LINE.search(line):
        return line
    from IPython.core.inputtransformer2 import TransformerManager   # the grader's own IPython, as the kernel's

    stripped = line.lstrip()
    try:
        python = TransformerManager().transform_cell(stripped).rstrip("\n")
    except Exception:  # noqa: BLE001 - IPython refused the line: left as it is (the cell then does not parse)
        return line
    return line if "\n" in python else line[:len(line) - len(stripped)] + python


def _segment(lines: list[str], node: ast.AST, limit: int = 200) -> str:
    """``node``'s source from its cell's ``lines``, at most ``limit`` characters (as ``ast.get_source_segment``,
    which splits the cell again each time, character by character: 20 s for a cell holding a 1 MB string)."""
    lines = lines[node.lineno - 1:node.end_lineno]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0].encode()[node.col_offset:node.end_col_offset].decode(errors="replace")[:limit]
    first = lines[0].encode()[node.col_offset:].decode(errors="replace")
    last = lines[-1].encode()[:node.end_col_offset].decode(errors="replace")
    return "\n".join([first, *lines[1:-1], last])[:limit]


class _FitScan(ast.NodeVisitor):
    """Statements in notebook order: which names hold test data, which hold a ``fit`` or a scikit-learn object."""

    def __init__(self):
        self.cell, self.source, self.depth, self.lines = 0, "", 0, None
        self.found: list[tuple[int, str]] = []
        self.tainted: set[str] = set()      # names assigned test data
        self.fits: dict[str, str] = {}      # alias -> "fit" / "train_on_batch" (train = model.fit)
        self.estimators: set[str] = set()   # names bound to scikit-learn modules, classes or objects

    # ------------------------------------------------------------ bindings
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in ESTIMATOR_MODULES:
                self.estimators.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if (node.module or "").split(".")[0] in ESTIMATOR_MODULES:
            self.estimators.update(alias.asname or alias.name for alias in node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        taint = _Once(lambda: self._is_test_data(node.value))   # a = b = ... = value: the value read once
        for target in node.targets:
            self._bind(target, node.value, taint)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name) and self._is_test_data(node.value):
            self.tainted.add(node.target.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target, node.value)

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self._bind(node.target, node.iter)
        for statement in node.body + node.orelse:
            self.visit(statement)

    def visit_FunctionDef(self, node) -> None:
        """A function's body (a lambda's, a comprehension's) with the names as they are where it is defined, less
        its own parameters, which are whatever it is called with; its assignments stay inside it."""
        saved = set(self.tainted), dict(self.fits), set(self.estimators)
        arguments = getattr(node, "args", None)
        if isinstance(arguments, ast.arguments):
            for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + \
                    [a for a in (arguments.vararg, arguments.kwarg) if a is not None]:
                self._set(arg.arg, tainted=False)
        try:
            self.generic_visit(node)
        finally:
            self.tainted, self.fits, self.estimators = saved

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_FunctionDef

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._bind(node.target, node.iter)
        for condition in node.ifs:
            self.visit(condition)

    def _bind(self, target: ast.AST, value: ast.AST, taint: "_Once | None" = None) -> None:
        """What ``target = value`` makes of its names. Unpacking a literal pairs names with values; the second
        pair of a loader's result is the test split; any other unpacking (``x_train, x_test = [x / 255 for x in
        (x_train, x_test)]``, ``map``, a helper's result) leaves its names as no test data: which part went where
        is not followed (a review found the training split taken for test data that way)."""
        if isinstance(target, (ast.Tuple, ast.List)):
            pairs = _is_loader_call(value) and len(target.elts) == 2 and \
                all(isinstance(t, (ast.Tuple, ast.List)) for t in target.elts)
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    self._bind(t, v)
                return
            for index, part in enumerate(target.elts):
                for name in ast.walk(part):
                    if isinstance(name, ast.Name):   # (x_train, y_train), (x_test, y_test) = load_data()
                        self._set(name.id, tainted=pairs and index == 1)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, taint)
        elif isinstance(target, ast.Name):
            taint = taint or _Once(lambda: self._is_test_data(value))
            self._set(target.id, tainted=taint(), fit=self._fit_of(value), estimator=self._is_estimator(value))

    def _set(self, name: str, *, tainted: bool, fit: str | None = None, estimator: bool = False) -> None:
        (self.tainted.add if tainted else self.tainted.discard)(name)
        if fit:
            self.fits[name] = fit
        else:
            self.fits.pop(name, None)
        (self.estimators.add if estimator else self.estimators.discard)(name)

    # ------------------------------------------------------------ what an expression is
    def _is_test_data(self, node: ast.AST) -> bool:
        """Whether test data flows into ``node``'s value (sizes and indices of it excepted)."""
        stack = [node]
        while stack:
            part = stack.pop()
            if isinstance(part, ast.Name):
                if part.id in self.tainted or _is_test_name(part.id):
                    return True
            elif isinstance(part, ast.Subscript):
                stack.append(part.value)          # x_train[:n_test]: the slice is an index
            elif isinstance(part, ast.Attribute):
                if part.attr not in NOT_DATA:
                    stack.append(part.value)
            elif isinstance(part, ast.Call):   # its arguments; what is called (train_test_split) is not data
                called = part.func.id if isinstance(part.func, ast.Name) else \
                    part.func.attr if isinstance(part.func, ast.Attribute) else ""
                if called not in NOT_DATA_CALLS:
                    stack += part.args + [k.value for k in part.keywords]
                    if isinstance(part.func, ast.Attribute):   # x_test.reshape(...): the object is data
                        stack.append(part.func.value)
            elif isinstance(part, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Dict)):
                continue   # a dict of both splits ({"train": ..., "test": ...}): which key is used is not followed
            else:
                stack.extend(ast.iter_child_nodes(part))
        return False

    def _fit_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr in TRAINING_DATA and not self._is_estimator(node.value):
            return node.attr
        return self.fits.get(node.id) if isinstance(node, ast.Name) else None

    def _is_estimator(self, node: ast.AST) -> bool:
        """A scikit-learn module, class or object: ``PCA``, ``PCA(2)``, ``decomposition.PCA(2)``, ``pca``."""
        while isinstance(node, (ast.Call, ast.Attribute)):
            node = node.func if isinstance(node, ast.Call) else node.value
        return isinstance(node, ast.Name) and node.id in self.estimators

    # ------------------------------------------------------------ training calls
    def visit_Call(self, node: ast.Call) -> None:
        method = self._training_call(node)
        if method is not None and any(self._is_test_data(arg) for arg in _training_data(node, method)):
            if self.lines is None:
                self.lines = re.split(r"\r\n|\r|\n", self.source)
            self.found.append((self.cell, _segment(self.lines, node) or f"{method}(...)"))
            if len(self.found) >= MAX_FOUND:
                raise _Enough
        code = _magic_code(node)
        if code is not None and self.depth < MAGIC_DEPTH:   # %time model.fit(...) runs model.fit(...)
            parsed = _parse(code)
            if parsed is not None:
                self.depth += 1
                source, lines, self.source, self.lines = self.source, self.lines, parsed[1], None
                try:
                    self.visit(parsed[0])
                finally:
                    self.depth, self.source, self.lines = self.depth - 1, source, lines
        self.generic_visit(node)

    def _training_call(self, node: ast.Call) -> str | None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in TRAINING_DATA:
            return None if self._is_estimator(func.value) else func.attr
        if isinstance(func, ast.Name):
            return "fit" if func.id == "fit" else self.fits.get(func.id)
        return None


def _is_loader_call(node: ast.AST) -> bool:
    """``load_mnist()``, ``keras.datasets.mnist.load_data()``: a call of a function whose name starts with load,
    given no data (constants at most: ``load_split(x_train, y_train)`` splits the training data)."""
    if not isinstance(node, ast.Call) or not all(isinstance(a, ast.Constant) for a in node.args):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return bool(LOADER.search(name))


def _training_data(node: ast.Call, method: str) -> list[ast.AST]:
    """The arguments of a training call that carry data (:data:`TRAINING_DATA`); starred ones too."""
    spec = TRAINING_DATA[method]
    positions = {position for _, position in spec}
    data = [arg for i, arg in enumerate(node.args) if i in positions or isinstance(arg, ast.Starred)]
    names = {keyword for keyword, _ in spec}
    return data + [k.value for k in node.keywords if k.arg in names or k.arg is None]


def _magic_code(node: ast.Call) -> str | None:
    """The Python a ``get_ipython().run_line_magic("time", "...")`` or ``run_cell_magic("time", "", "...")`` call
    runs, for the magics of :data:`CODE_MAGICS`; None for any other call."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("run_line_magic", "run_cell_magic")) or not node.args:
        return None
    values = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
    if values[0] not in CODE_MAGICS or values[-1] is None:
        return None
    code = values[-1]
    if func.attr == "run_line_magic":   # %time -n1 model.fit(...): options first
        code = re.sub(r"^(\s*-\S+(\s+\d+)?\s+)*", "", code)
    return code
