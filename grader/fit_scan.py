"""day97's "no test data in ``fit``" check (2 points): which training calls of a notebook are given test data,
read from its source. It judges the learner's habit: the kernel's test split is a stand-in taken from the training
images, and the accuracy points are measured in the grader on the real test split (:mod:`grader.mnist`).

The cells are hostile text: each is read through :func:`grader.cell_source.parse` (bounded, never raising), the
scan is linear in the cells' size and stops at ``MAX_FOUND`` calls.
"""
from __future__ import annotations

import ast
import functools
import re
from typing import Callable

from grader import cell_source

TEST_NAME = re.compile(r"(?:^|_)test", re.IGNORECASE)   # x_test, test_images, testX; not "latest"
# ... but not a number or a flag about the test split: test_size, TEST_FRAC, n_test, num_test, TEST_SEED, testing
NOT_TEST_DATA_NAME = re.compile(r"(?:size|frac|fraction|ratio|split|seed|count|len|pct|percent|rate|portion|idx|"
                                r"index|steps?|mode|ing|shape|dims?|dtype|acc|accuracy|loss|score)$|"
                                r"^(?:n|num|len|is|use|do)_", re.IGNORECASE)
LOADER = re.compile(r"^load", re.IGNORECASE)           # load_mnist(), mnist.load_data(): (train), (test) pairs
TRAIN_NAME = re.compile(r"(?:^|_)train", re.IGNORECASE)  # x_train, train_images: a hold-out made of them is not test
MAX_FOUND = 10                                          # calls reported; the check names the first
# The data a training call takes: (keyword, position) of Keras's Model.fit(x, y, batch_size, epochs, verbose,
# callbacks, validation_split, validation_data, ...) and train_on_batch(x, y, ...). Other arguments (epochs,
# validation_split=test_size, ...) are not data, whatever their names.
TRAINING_DATA = {"fit": (("x", 0), ("y", 1), ("validation_data", 7)), "train_on_batch": (("x", 0), ("y", 1))}
NOT_DATA = {"shape", "ndim", "size", "dtype", "cardinality"}   # x_test.shape[0] is a number, not test data
NOT_DATA_CALLS = {"len", "range", "int", "float", "shape", "ndim", "size", "cardinality"}   # len(x), np.shape(x)
ESTIMATOR_MODULES = ("sklearn", "umap")                 # PCA(2).fit(x_test) draws a picture; it trains no network
NOT_DATA |= {"max", "min", "mean", "std", "var", "sum", "median", "ptp", "nbytes"}   # y_test.max() + 1: a number
NOT_DATA_CALLS |= {"max", "min", "mean", "std", "var", "sum", "median", "ptp", "unique"}   # max(x_train.max(), ...)
MAGIC_DEPTH = 3
MAX_NOTEBOOK_IPYTHON_CHARS = 1_000_000   # IPython syntax transformed in one notebook (cell_source.Budget): about 3 s


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
        parsed = cell_source.parse(cell, scan.budget)
        if parsed is None:
            continue
        scan.cell, scan.source, scan.lines = number, parsed.source, None
        try:
            scan.visit(parsed.tree)
        except (RecursionError, MemoryError):
            continue     # nested too deeply to follow: passed over like a cell that does not parse
        except _Enough:
            break
    return scan.found[:MAX_FOUND]


class _Enough(Exception):
    """``MAX_FOUND`` calls found: the scan stops (a cell of 20,000 of them took 111 s to list)."""


def _is_test_name(name: str) -> bool:
    return bool(TEST_NAME.search(name)) and not NOT_TEST_DATA_NAME.search(name)


class _FitScan(ast.NodeVisitor):
    """Statements in notebook order: which names hold test data, which hold a ``fit`` or a scikit-learn object."""

    def __init__(self):
        self.cell, self.source, self.depth, self.lines = 0, "", 0, None
        self.found: list[tuple[int, str]] = []
        self.tainted: set[str] = set()      # names assigned test data
        self.cleared: set[str] = set()      # test-like names assigned what is not test data (x_test = x_train[n:])
        self.training: set[str] = set()     # names assigned the training split (ds = ...from_tensor_slices(x_train))
        self.fits: dict[str, str] = {}      # alias -> "fit" / "train_on_batch" (train = model.fit)
        self.estimators: set[str] = set()   # names bound to scikit-learn modules, classes or objects
        self.modules: set[str] = set()      # names imports bound (np, tf): not data
        self.journal: list | None = None    # inside a function: each name's state before it changed there
        self.budget = cell_source.Budget(MAX_NOTEBOOK_IPYTHON_CHARS)

    # ------------------------------------------------------------ bindings
    def visit_Import(self, node: ast.Import) -> None:
        self.modules.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        for alias in node.names:
            if alias.name.split(".")[0] in ESTIMATOR_MODULES:
                self._remember(name := (alias.asname or alias.name).split(".")[0])
                self.estimators.add(name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.modules.update(alias.asname or alias.name for alias in node.names)
        if (node.module or "").split(".")[0] in ESTIMATOR_MODULES:
            for alias in node.names:
                self._remember(alias.asname or alias.name)
                self.estimators.add(alias.asname or alias.name)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        reading = self._reading(node.value)   # a = b = ... = value: the value read once, whatever its targets
        for target in node.targets:
            self._bind(target, node.value, reading)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name) and self._is_test_data(node.value):
            self._remember(node.target.id)
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
        # what changes inside is written down and undone at its end: copying every name's state at each lambda
        # was (names) x (lambdas), 39 s for 40,000 names and 16,000 lambdas
        outer, self.journal = self.journal, []
        try:
            arguments = getattr(node, "args", None)
            if isinstance(arguments, ast.arguments):
                for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + \
                        [a for a in (arguments.vararg, arguments.kwarg) if a is not None]:
                    self._set(arg.arg, tainted=False)
            self.generic_visit(node)
        finally:
            for name, state in reversed(self.journal):
                self._restore(name, state)
            self.journal = outer

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_FunctionDef

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._bind(node.target, node.iter)
        for condition in node.ifs:
            self.visit(condition)

    def _reading(self, value: ast.AST) -> tuple[Callable[[], bool], Callable[[], bool]]:
        """(whether ``value`` is test data, whether it is made from the training split), each computed once."""
        return functools.cache(lambda: self._is_test_data(value)), functools.cache(lambda: self._holds_data(value))

    def _bind(self, target: ast.AST, value: ast.AST, reading: tuple | None = None) -> None:
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
            taint, holds = reading or self._reading(value)
            clean = not pairs and not taint() and holds()   # train_test_split(x_train, y_train): a hold-out
            for index, part in enumerate(target.elts):
                for name in ast.walk(part):
                    if isinstance(name, ast.Name):   # (x_train, y_train), (x_test, y_test) = load_data()
                        self._set(name.id, tainted=pairs and index == 1, cleared=clean)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, reading)
        elif isinstance(target, ast.Name):
            taint, holds = reading or self._reading(value)
            self._set(target.id, tainted=taint(), fit=self._fit_of(value), estimator=self._is_estimator(value),
                      cleared=holds())   # x_test = x_train[50000:]: a hold-out, not test data

    def _remember(self, name: str) -> None:
        """Inside a function: ``name``'s state before its first change there, for :meth:`visit_FunctionDef`."""
        if self.journal is not None:
            self.journal.append((name, (name in self.tainted, name in self.cleared, self.fits.get(name),
                                        name in self.estimators, name in self.training)))

    def _restore(self, name: str, state: tuple) -> None:
        tainted, cleared, fit, estimator, training = state
        (self.training.add if training else self.training.discard)(name)
        (self.tainted.add if tainted else self.tainted.discard)(name)
        (self.cleared.add if cleared else self.cleared.discard)(name)
        (self.fits.__setitem__(name, fit) if fit else self.fits.pop(name, None))
        (self.estimators.add if estimator else self.estimators.discard)(name)

    def _set(self, name: str, *, tainted: bool, fit: str | None = None, estimator: bool = False,
             cleared: bool = False) -> None:
        """``name``'s new state; ``cleared``: it now holds training data, not test data, whatever its name."""
        self._remember(name)
        (self.training.add if cleared and not tainted else self.training.discard)(name)
        (self.tainted.add if tainted else self.tainted.discard)(name)
        (self.cleared.add if cleared and not tainted else self.cleared.discard)(name)
        if fit:
            self.fits[name] = fit
        else:
            self.fits.pop(name, None)
        (self.estimators.add if estimator else self.estimators.discard)(name)

    # ------------------------------------------------------------ what an expression is
    def _is_test_data(self, node: ast.AST) -> bool:
        """Whether test data flows into ``node``'s value (sizes and indices of it excepted)."""
        return any(name in self.tainted or (_is_test_name(name) and name not in self.cleared)
                   for name in _data_names(node))

    def _holds_data(self, node: ast.AST) -> bool:
        """Whether ``node``'s value is made from the training split (``x_train[50000:]``,
        ``train_test_split(x_train, y_train)``): a hold-out, whatever it is named. Not a file's or a dict's
        contents (``np.load(path)["x_test"]``, ``ds["test"]``): those stay test data by their names (a review
        found eight ordinary ways of loading the test split missed when any variable cleared the name)."""
        return any((TRAIN_NAME.search(name) or name in self.training) and name not in self.tainted
                   for name in _data_names(node))

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
                self.lines = cell_source.LINE_BREAK.split(self.source)
            self.found.append((self.cell, cell_source.segment(self.lines, node) or f"{method}(...)"))
            if len(self.found) >= MAX_FOUND:
                raise _Enough
        code = cell_source.magic_code(node)
        if code is not None and self.depth < MAGIC_DEPTH:   # %time model.fit(...) runs model.fit(...)
            parsed = cell_source.parse(code, self.budget)
            if parsed is not None:
                self.depth += 1
                source, lines, self.source, self.lines = self.source, self.lines, parsed.source, None
                try:
                    self.visit(parsed.tree)
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


def _data_names(node: ast.AST):
    """The names whose values flow into ``node``'s value: not indices (``x[:n_test]``), sizes and reductions
    (``x.shape``, ``len(x)``, ``y.max()``), what is called (``train_test_split``), a condition
    (``x[:2000] if QUICK_TEST else x``), nor what a function or a dict of both splits holds."""
    stack = [node]
    while stack:
        part = stack.pop()
        if isinstance(part, ast.Name):
            yield part.id
        elif isinstance(part, ast.IfExp):
            stack += [part.body, part.orelse]
        elif isinstance(part, ast.Subscript):
            stack.append(part.value)
            key = part.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value              # f["x_test"], ds["test"]: the key names the data
        elif isinstance(part, ast.Attribute):
            if part.attr not in NOT_DATA:
                stack.append(part.value)
        elif isinstance(part, ast.Call):
            called = part.func.id if isinstance(part.func, ast.Name) else \
                part.func.attr if isinstance(part.func, ast.Attribute) else ""
            if called not in NOT_DATA_CALLS:
                stack += part.args + [k.value for k in part.keywords]
                if isinstance(part.func, ast.Attribute):   # x_test.reshape(...): the object is data
                    stack.append(part.func.value)
        elif not isinstance(part, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Dict)):
            stack.extend(ast.iter_child_nodes(part))


def _is_loader_call(node: ast.AST) -> bool:
    """``load_mnist()``, ``load_mnist(DATA_DIR)``, ``keras.datasets.mnist.load_data()``: a call of a function
    whose name starts with load, given no data (constants and paths: ``load_split(x_train, y_train)`` splits the
    training data)."""
    if not isinstance(node, ast.Call):
        return False
    called = _called_names(node)
    if any(TRAIN_NAME.search(n) or _is_test_name(n) for n in _data_names(node) if n not in called):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return bool(LOADER.search(name))


def _called_names(node: ast.Call) -> set[str]:
    """The names in what is called (``keras.datasets.mnist`` of ``keras.datasets.mnist.load_data()``)."""
    return {n.id for n in ast.walk(node.func) if isinstance(n, ast.Name)}


def _training_data(node: ast.Call, method: str) -> list[ast.AST]:
    """The arguments of a training call that carry data (:data:`TRAINING_DATA`); starred ones too."""
    spec = TRAINING_DATA[method]
    positions = {position for _, position in spec}
    data = [arg for i, arg in enumerate(node.args) if i in positions or isinstance(arg, ast.Starred)]
    names = {keyword for keyword, _ in spec}
    return data + [k.value for k in node.keywords if k.arg in names or k.arg is None]
