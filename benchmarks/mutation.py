"""Mutation run over the solution regions of days 93-96: does every wrong variant lose points, and is it named?

    python benchmarks/mutation.py                    # every mutant of days 93-96 (a few minutes; day96 loads Keras)
    python benchmarks/mutation.py --days day93 --sample 20 --seed 1

Each learner function's solution region is mutated one change at a time by a small AST mutator (operators swapped,
comparisons loosened, integer constants off by one, tuple elements swapped (axes, H/W), a term or a sign dropped,
an ``if`` (a check, an error) dropped, a cast to int added on a return). Mutation libraries (mutmut, cosmic-ray)
mutate files and rerun a test suite; here the code lives in notebook cells and one grading is a function call, so
the mutator works on the function's source directly. Each mutant is graded in-process through every public and
hidden check with a :class:`LocalLearner` (no kernel), and counted as

- killed: it lost points;  named: it lost points and a check named the mistake (a key other than the generic
  wrong value / shape / type, or the learner's own exception);
- equivalent: it passed, and also passes every check at ``EQUIVALENCE_SEEDS`` other seeds (equal to the reference
  on the discriminating cases and on those random inputs);
- survived: it passed at the run's seed but is not equivalent.
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib.util
import inspect
import os
import random
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from grader import exercise as exercises
from grader.checks import CheckFailed
from grader.learner import LearnerProblem, LocalLearner

DAYS = ("day93", "day94", "day95", "day96")
GENERIC = {"wrong_shape", "wrong_values", "wrong_value", "wrong_type", "not_finite"}
# A counting function's own sentence (its formula, what came, what was expected) when no known mistake matched:
# named, but reported apart.
FORMULAS = {"conv_size_formula", "keras_size_formula", "conv_params_formula", "dense_params_formula",
            "separable_params_formula", "outshape_formula"}
EQUIVALENCE_SEEDS = (1, 2, 3, 4, 5, 6)
SEED = 2026


# ---------------------------------------------------------------- the learner's namespace, in-process

def _code_cells(exercise_id: str) -> list[str]:
    nb = nbformat.read(exercises.get(exercise_id).solution, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def solution_sources(exercise_id: str) -> dict[str, str]:
    """The cell defining each learner function of the day, by function name."""
    functions = exercises.get(exercise_id).functions
    found = {}
    for source in _code_cells(exercise_id):
        for name in functions:
            if f"def {name}(" in source:
                found[name] = source
    return found


def namespace_for(exercise_id: str, replace: dict[str, str] | None = None) -> dict:
    """The notebook's set-up cell and every learner function, ``replace`` (name -> source) taking the place of some."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": f"learner_{exercise_id}"}
    imports = next(c for c in _code_cells(exercise_id) if "import numpy as np" in c.splitlines())
    exec(imports, namespace)  # noqa: S102 - our own solution notebook's imports and constants
    for name, source in {**solution_sources(exercise_id), **(replace or {})}.items():
        exec(source, namespace)  # noqa: S102 - the solution, a mutant of it, or a planted sample
    return namespace


# ---------------------------------------------------------------- grading in-process

@dataclass(frozen=True)
class Outcome:
    """One check's verdict on one namespace: passed, the message key (None when passed or not a named failure)."""

    check: str
    hidden: bool
    points: float
    passed: bool
    key: str | None
    raised: bool
    text: object = None   # the learner's message (a grader.results.Text), when the check failed
    target: str | None = None


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CHECKS: dict[str, list] = {}


def checks_of(exercise_id: str) -> list[tuple[object, bool]]:
    """(check function, hidden) for every public and hidden check of the day, loaded once."""
    if exercise_id not in _CHECKS:
        exercise = exercises.get(exercise_id)
        found = []
        for path, hidden in ((exercise.public_checks, False), (exercise.hidden_checks, True)):
            module = _load(path, f"mutation_{'hidden' if hidden else 'public'}_{exercise_id}")
            found += [(fn, hidden) for key, fn in vars(module).items() if key.startswith("test_") and callable(fn)]
        _CHECKS[exercise_id] = found
    return _CHECKS[exercise_id]


def _points(fn) -> float:
    return next((float(m.args[0]) for m in getattr(fn, "pytestmark", []) if m.name == "points"), 1.0)


def run_check(fn, learner, seed: int) -> tuple[bool, str | None, bool, object]:
    """(passed, message key, the learner's function raised, the message) for one check."""
    kwargs = {"learner": learner}
    parameters = inspect.signature(fn).parameters
    if "rng" in parameters:
        kwargs["rng"] = np.random.default_rng([seed, sum(map(ord, fn.__name__))])
    if "measure" in parameters:
        kwargs["measure"] = lambda name, value: None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                fn(**kwargs)
    except CheckFailed as failure:
        return False, failure.key, False, failure.text
    except LearnerProblem as problem:
        return False, None, True, problem.text
    except Exception:  # noqa: BLE001 - a mutant can break a check's own assumptions (e.g. a non-array value)
        return False, None, True, None
    return True, None, False, None


def grade_in_process(exercise_id: str, namespace: dict, *, seed: int = SEED, only: str | None = None) -> list[Outcome]:
    """Every check of the day (or only those targeting ``only``) run on ``namespace``'s functions."""
    learner = LocalLearner(namespace)
    outcomes = []
    for fn, hidden in checks_of(exercise_id):
        target = next((m.args[0] for m in getattr(fn, "pytestmark", []) if m.name == "target"), None)
        if only is not None and target != only:
            continue
        passed, key, raised, text = run_check(fn, learner, seed)
        outcomes.append(Outcome(fn.__name__.removeprefix("test_"), hidden, _points(fn), passed, key, raised, text,
                                target))
    return outcomes


# ---------------------------------------------------------------- the mutator

BINOPS = {ast.Add: [ast.Sub, ast.Mult], ast.Sub: [ast.Add], ast.Mult: [ast.Add, ast.Div], ast.Div: [ast.FloorDiv,
          ast.Mult], ast.FloorDiv: [ast.Div, ast.Mult]}
COMPARES = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


def _region_lines(source: str) -> range:
    lines = source.splitlines()
    begin = next(i for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line)
    end = next(i for i, line in enumerate(lines) if "### END SOLUTION" in line)
    return range(begin + 2, end + 1)   # 1-based line numbers of the code between the markers


def _sites(tree: ast.AST, region: range) -> list[tuple[int, str, object]]:
    """(node index, kind, option) for every mutation the region allows, in a stable order."""
    nodes = list(ast.walk(tree))
    sites = []
    for index, node in enumerate(nodes):
        if getattr(node, "lineno", None) not in region:
            continue
        if isinstance(node, ast.BinOp):
            sites += [(index, "binop", op) for op in BINOPS.get(type(node.op), [])]
            sites += [(index, "drop_left", None), (index, "drop_right", None)]
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in COMPARES:
            sites.append((index, "compare", None))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites += [(index, "constant", +1), (index, "constant", -1)]
        elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
            sites += [(index, "swap", (a, a + 1)) for a in range(len(node.elts) - 1)]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sites.append((index, "drop_sign", None))
        elif isinstance(node, ast.If):
            sites.append((index, "drop_if", None))
        elif isinstance(node, ast.Return) and node.value is not None:
            sites.append((index, "cast_int", None))
    return sites


def _cast(value: ast.expr) -> ast.expr:
    """``np.asarray(value).astype(int)``: a learner casting the result to integers."""
    asarray = ast.Call(func=ast.Attribute(value=ast.Name("np", ast.Load()), attr="asarray", ctx=ast.Load()),
                       args=[value], keywords=[])
    return ast.Call(func=ast.Attribute(value=asarray, attr="astype", ctx=ast.Load()),
                    args=[ast.Name("int", ast.Load())], keywords=[])


def _apply(tree: ast.AST, site: tuple[int, str, object]) -> ast.AST | None:
    tree = copy.deepcopy(tree)
    nodes = list(ast.walk(tree))
    index, kind, option = site
    node = nodes[index]
    if kind == "binop":
        node.op = option()
    elif kind in ("drop_left", "drop_right"):
        keep = node.left if kind == "drop_right" else node.right
        return _replace(tree, node, keep)
    elif kind == "compare":
        node.ops = [COMPARES[type(node.ops[0])]()] + node.ops[1:]
    elif kind == "constant":
        node.value += option
    elif kind == "swap":
        a, b = option
        node.elts[a], node.elts[b] = node.elts[b], node.elts[a]
    elif kind == "drop_sign":
        return _replace(tree, node, node.operand)
    elif kind == "drop_if":
        return _replace(tree, node, ast.Pass())
    elif kind == "cast_int":
        node.value = _cast(node.value)
    return tree


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> ast.AST:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return tree
            if isinstance(value, list) and any(v is old for v in value):
                setattr(parent, name, [new if v is old else v for v in value])
                return tree
    return tree


@dataclass(frozen=True)
class Mutant:
    exercise_id: str
    function: str
    description: str
    source: str


def mutants(exercise_id: str) -> list[Mutant]:
    """Every mutant of every learner function of the day (sources that compile and differ from the solution)."""
    found = []
    for function, source in solution_sources(exercise_id).items():
        tree, region = ast.parse(source), _region_lines(source)
        original = ast.unparse(tree)
        seen = {original}
        for site in _sites(tree, region):
            mutated = _apply(tree, site)
            try:
                text = ast.unparse(ast.fix_missing_locations(mutated))
                compile(text, "<mutant>", "exec")
            except (SyntaxError, ValueError, TypeError):
                continue
            if text in seen:
                continue
            seen.add(text)
            line = getattr(list(ast.walk(tree))[site[0]], "lineno", 0)
            found.append(Mutant(exercise_id, function, f"{function} line {line}: {site[1]} {site[2] or ''}".strip(),
                                text))
    return found


# ---------------------------------------------------------------- verdicts

@dataclass(frozen=True)
class Verdict:
    mutant: Mutant
    status: str          # "named", "formula" (named by the function's formula), "killed" (unnamed), "survived",
    #                      "equivalent"
    keys: tuple[str, ...]


def judge(mutant: Mutant, *, seed: int = SEED) -> Verdict:
    try:
        namespace = namespace_for(mutant.exercise_id, {mutant.function: mutant.source})
    except Exception:  # noqa: BLE001 - a mutant that breaks its own definition is killed by any check
        return Verdict(mutant, "killed", ())
    outcomes = grade_in_process(mutant.exercise_id, namespace, seed=seed)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        keys = tuple(sorted({o.key for o in failed if o.key}))
        if any(key not in GENERIC | FORMULAS for key in keys):
            return Verdict(mutant, "named", keys)
        return Verdict(mutant, "formula" if any(key in FORMULAS for key in keys) else "killed", keys)
    for other in EQUIVALENCE_SEEDS:
        if any(not o.passed for o in grade_in_process(mutant.exercise_id, namespace, seed=seed + other,
                                                          only=mutant.function)):
            return Verdict(mutant, "survived", ())
    return Verdict(mutant, "equivalent", ())


def run(days=DAYS, *, sample: int | None = None, seed: int = SEED) -> dict[str, list[Verdict]]:
    verdicts = {}
    for day in days:
        found = mutants(day)
        if sample is not None and sample < len(found):
            found = random.Random(seed).sample(found, sample)
        verdicts[day] = [judge(m, seed=seed) for m in found]
    return verdicts


def figures(verdicts: list[Verdict]) -> dict[str, int]:
    counts = {status: sum(v.status == status for v in verdicts)
              for status in ("named", "formula", "killed", "survived", "equivalent")}
    return {"mutants": len(verdicts), "killed": counts["named"] + counts["formula"] + counts["killed"],
            "named": counts["named"] + counts["formula"], "by_formula": counts["formula"],
            "survived": counts["survived"], "equivalent": counts["equivalent"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", nargs="*", default=list(DAYS))
    parser.add_argument("--sample", type=int, default=None, help="mutants per day (default: all)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show", action="store_true", help="list the survivors and the unnamed kills")
    args = parser.parse_args(argv)
    results = run(tuple(args.days), sample=args.sample, seed=args.seed)
    print("| day | mutants | equivalent | killed | named | of which by the formula sentence | survived | "
          "killed / non-equivalent | named / non-equivalent |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for day, verdicts in results.items():
        f = figures(verdicts)
        live = max(f["mutants"] - f["equivalent"], 1)
        print(f"| {day} | {f['mutants']} | {f['equivalent']} | {f['killed']} | {f['named']} | {f['by_formula']} | "
              f"{f['survived']} | {f['killed'] / live:.0%} | {f['named'] / live:.0%} |")
    if args.show:
        for day, verdicts in results.items():
            for v in verdicts:
                if v.status in ("survived", "killed", "formula"):
                    print(f"{v.status:9} {v.mutant.description} {v.keys}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
