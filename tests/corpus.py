"""A corpus of hostile and broken submissions, each named by what it tries, with the outcome it must get.

Every case builds its notebook at test time (``case.build(folder, ctx)``) from the day93 reference solution
cut down to its NumPy import and four functions (fast to run), from the stub, or from raw bytes. ``ctx`` holds what a case
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
SINGLE_STEP_USERS = ("conv_single_step", "feature_map", "feature_maps")  # feature_map calls conv_single_step


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
    # the cell that imports NumPy (a setup cell that pip-installs the grader outside the course may come first)
    imports = [c for c in code if "import numpy" in c.source and "def " not in c.source][:1] or code[:1]
    keep = imports if base == "imports" else \
        [*imports, *(c for c in code if any(f"def {f}(" in c.source for f in exercise.functions))]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(_without_pyplot(c.source)) for c in keep]
    return nb


def _without_pyplot(source: str) -> str:
    """``source`` less its ``import matplotlib.pyplot`` lines: no case draws, and importing pyplot in a kernel
    (the inline backend, a fresh font cache) was 1 of the 2 CPU-seconds of each of the corpus's 400 kernels."""
    return "\n".join(line for line in source.splitlines() if not line.startswith("import matplotlib"))


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

# ---------------------------------------------------------------- kind 1: what lies outside the allow-list

STEAL = '''
import json, os
try:
    source = open({path!r}, encoding="utf-8").read()
except OSError as error:
    raise FileNotFoundError(f"not reachable: {{error}}")
cells = json.loads(source)["cells"] if source.lstrip().startswith("{{") else [{{"source": source}}]
for cell in cells:
    if cell.get("cell_type", "code") == "code":
        exec("".join(cell["source"]), globals())
'''
LIST = '''
import glob, os
seen = []
for path in {paths!r}:
    for probe in (os.listdir, os.stat, glob.glob):
        try:
            seen.append((path, str(probe(path if probe is not glob.glob else path + "/*"))[:80]))
        except OSError:
            pass
seen = [s for s in seen if s[1] != "[]"]
if seen:
    print("LISTED", seen)
else:
    raise FileNotFoundError("nothing of " + repr({paths!r}) + " is reachable")
'''
HUNT = '''
import json, os, sys
found = []
for folder, subfolders, files in os.walk("/"):
    subfolders[:] = [s for s in subfolders if not os.path.join(folder, s).startswith(("/proc", "/sys", "/usr",
                                                                                      sys.prefix, os.getcwd()))]
    found += [os.path.join(folder, f) for f in files if f.endswith(".ipynb") and folder != os.getcwd()]
for path in found:
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        continue
    if "def relu" in text:
        for cell in json.loads(text)["cells"]:
            if cell["cell_type"] == "code":
                exec("".join(cell["source"]), globals())
        break
else:
    raise FileNotFoundError(f"no solution anywhere in the kernel's view ({{len(found)}} candidates)")
'''

# ---------------------------------------------------------------- kind 2: paths the grader (root) follows

CALL_FOLDERS = 'glob.glob(".grader-call-*") + glob.glob("../.grader-calls/*") + glob.glob("../.grader-calls/*/out")'
SWAP_CALL_FOLDER = '''
import glob, os
_relu = relu
def relu(x):
    for folder in ''' + CALL_FOLDERS + ''':
        try:
            os.rename(folder, folder + "-moved")
        except OSError:
            pass
        try:
            os.symlink({target!r}, folder)
        except OSError:
            pass
    return _relu(x)
'''
LINKS_IN_CALL = '''
import glob, os
def __plant():
    for folder in ''' + CALL_FOLDERS + ''':
        for name in ("result.json", "result.tmp", "r1.npy", "after0.npy", "args.json"):
            try:
                os.symlink({target!r}, os.path.join(folder, name))
            except OSError:
                pass
    os.replace = lambda *a, **k: None
def relu(x):
    __plant()
    raise NotImplementedError
def feature_map(image, kernel, bias=0.0):
    __plant()
    raise NotImplementedError
'''
RACE_CALL_FOLDERS = '''
import glob, os, threading, time
def __race():
    while True:
        for folder in ''' + CALL_FOLDERS + ''':
            try:
                os.rename(folder, folder + "-%d" % time.monotonic_ns())
                os.symlink({target!r}, folder)
            except OSError:
                pass
        time.sleep(0.0005)
threading.Thread(target=__race, daemon=True).start()
'''
RESULT_AS = '''
import numpy, os
def __not_a_file(file, array, allow_pickle=True):
    {make}
numpy.save = __not_a_file
'''
GROWING_RESULT = '''
import numpy, os, threading, time
def __growing(file, array, allow_pickle=True):
    handle = open(file, "wb")
    handle.write(b"\\x93NUMPY\\x01\\x00")
    def grow():  # for ten seconds or 64 MiB: long past the grader's read, without filling the disk
        for _ in range(1024):
            try:
                handle.write(b"0" * 2**16)
                handle.flush()
            except (OSError, ValueError):
                return
            time.sleep(0.01)
    threading.Thread(target=grow, daemon=True).start()
numpy.save = __growing
'''

# ---------------------------------------------------------------- kind 3: hostile values, files and messages

NPY_9TIB = '''
import numpy
from numpy.lib import format as npy
def __huge_header(file, array, allow_pickle=True):
    with open(file, "wb") as handle:
        npy.write_array_header_1_0(handle, {{"descr": "<f8", "fortran_order": False, "shape": (9 * 2**37,)}})
        handle.write(b"\\0" * 64)
numpy.save = __huge_header
'''
FORGED_JSON = '''
import json
def __forged(obj, handle, **kw):
    handle.write({payload})
json.dump = __forged
'''
FAKE_KERAS = '''
import sys, types, zipfile, json
fake = types.ModuleType("keras")
class Model:
    def save(self, path):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("metadata.json", json.dumps({{"keras_version": "3.0.0"}}))
            {config}
fake.Model = Model
sys.modules["keras"] = fake
def relu(x):
    return Model()
'''
KERAS_GIB_CONFIG = ('archive.writestr("config.json", json.dumps({{"class_name": "Sequential", "config": {{'
                    '"name": "s", "layers": [{{"class_name": "InputLayer", "config": {{"batch_shape": [None, 2**20],'
                    ' "name": "i"}}}}, {{"class_name": "Dense", "config": {{"units": 2**20, "name": "d"}}}}]}}}}))\n'
                    '            archive.writestr("model.weights.h5", b"")')
KERAS_ZIP_BOMB = ('with archive.open("config.json", "w") as member:\n'
                  '                for _ in range(256):\n'
                  '                    member.write(b" " * 2**20)')
FORGED_MESSAGE = '''
kernel = get_ipython().kernel
kernel.session.send(kernel.iopub_socket, {msg_type!r}, {content}, parent=kernel.get_parent("shell"),
                    ident=b"stream")
print("after the forged message")
'''
DEEP_HOME_THEN_CRASH = '''
import os
os.chdir(os.environ["HOME"])
for _ in range(1200):
    os.mkdir("d")
    os.chdir("d")
os.chdir(os.environ["HOME"])
for name, target in (("planted-link-to-checkout", {checkout!r}), ("planted-link-to-root", "/")):
    try:
        os.symlink(target, name)
    except OSError:
        pass
os._exit(1)
'''
# Replies, signed with the session's key, to a request the grader never made, sent on the shell socket without
# pause: nbclient looked at the time only when no message came, so this held its cell open past every limit
# (tests/test_hostile_limits.py holds the focused test). No braces: the corpus formats its cells with ctx.
SHELL_FLOOD = '''
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)   # the interrupt never stops it (where it lands decided that before)
kernel = get_ipython().kernel
socket, ident = kernel.shell_stream.socket, kernel._parent_ident["shell"]
while True:
    reply = kernel.session.msg("execute_reply", dict(status="ok"), parent=dict(header=dict(msg_id="other")))
    socket.send_multipart(kernel.session.serialize(reply, ident=ident))
'''
# A signed output message whose parent header is a megabyte of dates (jupyter_client parsed each into a datetime
# before the grader saw the message, 15-30 s for 30 MiB with no limit looked at), and cells that are instant when
# first run but sleep when replayed after a crash (a file in HOME tells): red team, 2026-12-03.
DATES_IN_PARENT_HEADER = '''
import hashlib, hmac, json
kernel = get_ipython().kernel
parent = json.dumps(dict(header=dict(msg_id="other"), dates=["2026-01-01T00:00:00"] * 50_000)).encode()
header = json.dumps(dict(msg_type="stream", username="u", session=kernel.session.session, version="5.3",
                         msg_id="dates")).encode()
content, metadata = json.dumps(dict(name="stdout", text="x")).encode(), json.dumps(dict()).encode()
signature = hmac.new(kernel.session.key, digestmod=hashlib.sha256)
for part in (header, parent, metadata, content):
    signature.update(part)
kernel.iopub_thread.socket.send_multipart([b"stream", b"<IDS|MSG>", signature.hexdigest().encode(), header, parent,
                                          metadata, content])
print("sent", len(parent))
'''
SLEEPS_WHEN_REPLAYED = "import os, time\nif os.path.exists(os.path.expanduser('~/armed')):\n    time.sleep(2.5)\n"
ARM_AND_CRASH = "import os\nopen(os.path.expanduser('~/armed'), 'w').close()\nos._exit(1)\n"
# Files of 256 MB written in a loop until the host's disk is full (fallocate would be instant: it is refused), and
# the same with each file deleted as soon as it is open, so that no folder shows what it holds.
FILLS_THE_DISK = ("import os\nblock = bytes(2**20)\nfor i in range(10**6):\n    with open(f'fill{{i}}', 'wb') as f:\n"
                  "        for _ in range(256):\n            f.write(block)\n")
FILLS_THE_DISK_UNSEEN = ("import os\nblock, held = bytes(2**20), []\nfor i in range(10**6):\n"
                         "    f = open(f'fill{{i}}', 'wb')\n    os.unlink(f'fill{{i}}')\n    held.append(f)\n"
                         "    for _ in range(256):\n        f.write(block)\n")
# The same files, each sent over a Unix socket as soon as it is open and closed, never received (SCM_RIGHTS): held
# by no process, so that neither the folder nor /proc shows them (red team, 2026-12-03: 2.5 GB past the quota).
FILLS_THE_DISK_IN_A_SOCKET = ("import array, os, socket\na, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                              "block = bytes(2**20)\nfor i in range(10**6):\n"
                              "    fd = os.open('.', os.O_TMPFILE | os.O_RDWR, 0o600)\n"
                              "    for _ in range(256):\n        os.write(fd, block)\n"
                              "    rights = (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))\n"
                              "    a.sendmsg([b'x'], [rights])\n"
                              "    os.close(fd)\n")
# Red team, 2026-12-04, 2.3 GB held past the quota each way: deleted files held by a child whose main thread has
# ended (its /proc/PID/fd empty, its threads' not); a descriptor table a thread made its own; a file kept by a bind
# mount in a user namespace of the kernel's own; inotify telling the kernel when the walk opens a folder, so that
# its files are moved out of the walk's way.
FILLS_THE_DISK_MAIN_THREAD_GONE = (
    "import ctypes, os, threading, time\nr, w = os.pipe()\nif os.fork() == 0:\n    def writer():\n"
    "        time.sleep(0.5)\n        held = []\n        for n in range(3):\n"
    "            fd = os.open('.', os.O_TMPFILE | os.O_RDWR, 0o600)\n"
    "            for _ in range(768):\n                os.write(fd, bytes(2**20))\n            held.append(fd)\n"
    "        os.write(w, b'k')\n        time.sleep(3600)\n    threading.Thread(target=writer).start()\n"
    "    ctypes.CDLL(None).syscall({{'x86_64': 60, 'aarch64': 93}}[os.uname().machine], 0)\n"
    "os.read(r, 1)\ntime.sleep(5)\n")
UNSHARED = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nif libc.unshare({flags}) != 0:\n"
            "    raise OSError(ctypes.get_errno(), 'unshare')\n")
HIDES_FROM_THE_WALK = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nwatch = libc.inotify_init1(0)\n"
                       "if watch < 0:\n    raise OSError(ctypes.get_errno(), 'inotify_init1')\n")
# Modules named like what the sandbox launcher imports (it runs as root, in the working folder, at every kernel
# start), written there by the learner's kernel, which then crashes so that the launcher starts it again. Each
# would overwrite the root-only sentinel file. The names are also imported while the kernel boots, so the
# learner's own cells never meet them.
LAUNCHER_MODULES_THEN_CRASH = '''
import os
for name in ("json", "pathlib", "signal", "contextlib", "time"):
    with open(name + ".py", "w") as handle:
        handle.write("open(" + repr({sentinel_file!r}) + ", 'w').write('run by the launcher')" + chr(10))
os._exit(1)
'''

READ_PLANTED_LINK = '''
import os
print(os.listdir(os.path.join(os.environ["HOME"], "planted-link-to-checkout")))
'''

INT_2_64 = ("def conv_single_step(window, kernel, bias=0.0):\n    import sys\n"
            "    if sys._getframe(1).f_code.co_name == 'feature_map':  # the learner's own feature_map still works\n"
            "        return float(np.sum(window * kernel) + np.asarray(bias, dtype=float).item())\n"
            "    return 2**64")

# ---------------------------------------------------------------- kind 4: values that break a check itself

CHECK_BREAKERS = {
    "ragged_list": "def relu(x):\n    return [np.zeros(2), np.zeros(3), [[1], 2]]",
    "dict_for_number": "def conv_single_step(window, kernel, bias=0.0):\n    return {'value': [1, 2, {'x': None}]}",
    "uint64_extremes": "def relu(x):\n    return np.full(np.shape(x), 2**64 - 1, dtype=np.uint64)",
    "list_for_number": "def conv_single_step(window, kernel, bias=0.0):\n    return [True, None, 'nan']",
    "empty_shapes": "def relu(x):\n    return np.zeros((0,) * 31)",
}

# ---------------------------------------------------------------- kind 5: learner text that looks like markup

MARKUP = ("\\n# Total: 140 / 14\\n## Score 140\\n[bold red]Total: 140 / 14[/bold red] [/] [link=file:///etc]x[/link]"
          "\\n<script>alert(1)</script><b>14/14</b> | a | table | \\x1b[2J\\x1b[31mred\\r\\x00\\x07 ]]> &amp; "
          "{{ x }} {% raw %} `code` **bold** \\u202e\\udcff")
RAISE_MARKUP = f'def relu(x):\n    raise ValueError("{MARKUP}")'
CELL_MARKUP = f'raise RuntimeError("{MARKUP}")'.replace("{", "{{").replace("}", "}}")
PRINT_SCORE_LINES = 'print("Total: 140 / 14\\n# Total: 140 / 14\\n::set-output name=score::140\\n::error::fake")'


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
         # limits well past the time filling 4 GiB takes (16-32 s with the CPUs busy, page faults being slow in
         # this sandbox): at 30 s the cell was stopped at its time limit first, now and then, and graded two ways
         cells=("import numpy\nhoard = []\nwhile True:\n    hoard.append(numpy.ones(2**24))",), cell_timeout_s=90,
         total_timeout_s=120),
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
    Case("import_grader_answers", "importing the grader's own answers (day98's reference_prepare)",
         "not importable in the kernel: ModuleNotFoundError in the learner's cell, full score",
         cells=("from grader.transfer import reference_prepare\nfrom grader.mnist import reference_scale",)),
    Case("network_connection", "connecting to a server on the grader's loopback", "no network: connection fails",
         cells=(NETWORK,)),
    Case("monkeypatch_numpy", "patching NumPy's comparisons on the stub", "nothing changes: score 0",
         base="stub", cells=(PATCH_NUMPY,), lost=DAY93_FUNCTIONS),
    Case("monkeypatch_builtins", "patching builtins on the stub", "nothing changes: score 0", base="stub",
         cells=(PATCH_BUILTINS,), lost=DAY93_FUNCTIONS, cell_timeout_s=3),   # its cell never answers: 3 s does
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
    Case("notebook_100mb", "a 100 MB notebook", "refused at once: over the size limit", base="raw",
         raw=_huge, lost=DAY93_FUNCTIONS),
    Case("not_utf8", "bytes that are not UTF-8 in the notebook", "read with replacement characters, graded",
         base="raw", raw=_not_utf8),
    Case("forged_result_files", "writing result files and printing a full score on the stub",
         "nothing changes: score 0", base="stub", cells=(FORGERY,), lost=DAY93_FUNCTIONS),
    Case("forged_environment", "changing GRADER_* variables, the sandbox report and the call helper",
         "nothing changes: score 0", base="stub", cells=(FORGE_ENVIRONMENT,), lost=DAY93_FUNCTIONS),
    # kind 1: the kernel's view is an allow-list
    Case("other_checkout_solution", "running the solution of another checkout of the repository (stub)",
         "not in the kernel's view: score 0", base="stub",
         cells=(STEAL.replace("{path!r}", "{checkout_solution!r}"),), lost=DAY93_FUNCTIONS),
    Case("other_checkout_hidden", "reading another checkout's hidden checks", "not in the kernel's view",
         cells=(STEAL.replace("{path!r}", "{checkout_hidden!r}"),)),
    Case("dataset_copy", "reading a copy of the datasets (test labels) elsewhere", "not in the kernel's view",
         cells=(READ.replace("{hidden!r}", "{dataset_copy!r}"),)),
    Case("classmate_notebook", "running a classmate's notebook from the batch's submissions folder (stub)",
         "not in the kernel's view: score 0", base="stub",
         cells=(STEAL.replace("{path!r}", "{classmate!r}"),), lost=DAY93_FUNCTIONS),
    Case("list_out_folder", "listing the batch's --out folder and the submissions folder",
         "not in the kernel's view", cells=(LIST.replace("{paths!r}", "{listed!r}"),)),
    Case("hunt_for_solutions", "walking the whole view for any notebook defining relu and running it (stub)",
         "none found: score 0", base="stub", cells=(HUNT,), lost=DAY93_FUNCTIONS),
    # kind 2: the grader never follows a path the kernel controls
    Case("call_folder_to_link", "swapping its call folder for a link to a root-only folder",
         "nothing written outside, relu graded",
         cells=(SWAP_CALL_FOLDER.replace("{target!r}", "{sentinel_dir!r}"),)),
    Case("call_folder_to_file_link", "swapping its call folder for a link to a root-only file (chown)",
         "nothing chowned, relu graded", cells=(SWAP_CALL_FOLDER.replace("{target!r}", "{sentinel_file!r}"),)),
    Case("result_links", "links to a root-only file planted as result files, os.replace disabled (stub)",
         "links refused: score 0", base="stub",
         cells=(LINKS_IN_CALL.replace("{target!r}", "{sentinel_file!r}"),), lost=DAY93_FUNCTIONS),
    Case("call_folder_race", "a thread swapping call folders for links while the grader works (stub)",
         "nothing followed: score 0", base="stub",
         cells=(RACE_CALL_FOLDERS.replace("{target!r}", "{sentinel_dir!r}"),), lost=DAY93_FUNCTIONS),
    Case("result_fifo", "every .npy result is a FIFO", "refused at once, never waited on",
         cells=(RESULT_AS.replace("{make}", "os.mkfifo(file)"),), lost=DAY93_FUNCTIONS),
    Case("result_directory", "every .npy result is a folder", "refused",
         cells=(RESULT_AS.replace("{make}", "os.mkdir(file)"),), lost=DAY93_FUNCTIONS),
    Case("result_device", "every .npy result is a link to /dev/zero", "refused, never read",
         cells=(RESULT_AS.replace("{make}", "os.symlink('/dev/zero', file)"),), lost=DAY93_FUNCTIONS),
    Case("result_growing", "an .npy result that keeps growing while the grader reads it", "refused, read bounded",
         cells=(GROWING_RESULT,), lost=DAY93_FUNCTIONS),
    # kind 3: hostile values, files and messages
    Case("int_2_64", "conv_single_step returns 2**64", "incorrect, the rest graded",
         functions={"conv_single_step": INT_2_64}, lost=("conv_single_step",)),
    Case("int_minus_2_70", "relu returns -2**70 in a list", "incorrect, the rest graded",
         functions={"relu": "def relu(x):\n    return [-2**70] * int(np.size(x))"}, lost=("relu",)),
    Case("nan_in_list", "relu returns a list of NaN, infinity and -0.0", "incorrect, the rest graded",
         functions={"relu": "def relu(x):\n    return [float('nan'), float('inf'), -0.0] * int(np.size(x))"},
         lost=("relu",)),
    Case("deep_list", "relu returns a list nested 10000 deep", "value refused",
         functions={"relu": "def relu(x):\n    v = []\n    for _ in range(10000):\n        v = [v]\n    return v"},
         lost=("relu",)),
    Case("dict_million_keys", "relu returns a dict of 10**6 keys", "value refused (size)",
         functions={"relu": "def relu(x):\n    return {str(i): i for i in range(10**6)}"}, lost=("relu",)),
    Case("forged_deep_json", "a result.json nested 100000 deep (json.dump replaced)", "refused (depth)",
         cells=(FORGED_JSON.replace("{payload}", "'[' * 100000 + ']' * 100000"),), lost=DAY93_FUNCTIONS),
    Case("forged_json_types", "a result.json whose fields have the wrong types", "refused",
         cells=(FORGED_JSON.replace("{payload}", "'{{\"status\": \"ok\", \"value\": {{\"kind\": [], \"npy\": 7}}, "
                                                 "\"after\": 5}}'"),), lost=DAY93_FUNCTIONS),
    Case("npy_9_tib", "an .npy whose header declares a 9 TiB array", "refused before loading",
         cells=(NPY_9TIB,), lost=DAY93_FUNCTIONS),
    Case("keras_gib_config", "a .keras whose config.json declares GiBs of weights", "refused before building",
         cells=(FAKE_KERAS.replace("{config}", KERAS_GIB_CONFIG),), lost=("relu",)),
    Case("keras_zip_bomb", "a .keras whose config.json inflates to 256 MiB", "refused before inflating",
         cells=(FAKE_KERAS.replace("{config}", KERAS_ZIP_BOMB),), lost=("relu",)),
    Case("forged_stream_int", "a forged output message whose text is an int", "ignored, full score",
         cells=(FORGED_MESSAGE.replace("{msg_type!r}", "'stream'").replace(
             "{content}", "{{'name': 'stdout', 'text': 12345}}"),)),
    Case("forged_messages_dicts", "forged output, display and error messages with dicts and lists for text",
         "ignored, full score",
         cells=(FORGED_MESSAGE.replace("{msg_type!r}", "'stream'").replace(
                    "{content}", "{{'name': {{'x': 1}}, 'text': {{'a': [1, 2]}}}}"),
                FORGED_MESSAGE.replace("{msg_type!r}", "'display_data'").replace(
                    "{content}", "{{'data': [1, 2], 'metadata': 7}}"),
                FORGED_MESSAGE.replace("{msg_type!r}", "'error'").replace(
                    "{content}", "{{'ename': 5, 'evalue': None, 'traceback': 9}}"))),
    Case("deep_home_then_crash", "a 1200-level folder tree and links to a checkout in HOME, then a kernel crash",
         "kernel restarted, links not followed, full score", cells=(DEEP_HOME_THEN_CRASH, READ_PLANTED_LINK)),
    Case("launcher_modules_then_crash", "modules named like the root launcher's imports written into the working "
         "folder, then a kernel crash", "kernel restarted, none of them run, full score",
         cells=(LAUNCHER_MODULES_THEN_CRASH,)),
    # kind 4: a value that breaks a check itself: that check only
    *(Case(f"check_breaker_{name}", "a value made to break the check: " + source.split("\n")[1].strip(),
           "that check recorded, the rest graded", functions={source.split("(")[0][4:]: source},
           lost=SINGLE_STEP_USERS if "conv_single_step" in source else ("relu",))
      for name, source in CHECK_BREAKERS.items()),
    # kind 5: learner text is never markup
    Case("markup_in_exception", "an exception message with headings, rich markup, HTML and control characters",
         "shown as text in every report", functions={"relu": RAISE_MARKUP}, lost=("relu",)),
    Case("markup_in_cell_error", "a cell raising a score-like, markup-laden message", "shown as text, full score",
         cells=(CELL_MARKUP,)),
    Case("score_lines_printed", "printing score lines and CI workflow commands (stub)", "nothing changes: score 0",
         base="stub", cells=(PRINT_SCORE_LINES,), lost=DAY93_FUNCTIONS),
    # red-team findings F1, F2, F5, F7, F8 (helper H11; tests/test_hostile_limits.py holds the focused tests)
    Case("unclosed_json_string", "every result.json an unclosed 2 MB string of escaped quotes (quadratic regex)",
         "each call unreadable in linear time, JSON written", lost=DAY93_FUNCTIONS,
         cells=("import json\ndef __forged(obj, handle, **kw):\n    handle.write('\"' + '\\\\\"' * 1_000_000)\n"
                "json.dump = __forged",)),
    Case("one_npy_named_forty_times", "a 64 MiB .npy named 40 times in one result (13.5 GB loaded before)",
         "refused: each file once, one byte budget per result", lost=("feature_map", "feature_maps", "relu"),
         functions={"relu": "def relu(x):\n    return np.zeros(2**23)"},
         cells=("import json\n__dump = json.dump\ndef __forged(obj, handle, **kw):\n"
                "    if isinstance(obj, dict) and obj.get('status') == 'ok' and obj['value'].get('npy'):\n"
                "        obj['value'] = dict(kind='list', items=[obj['value']] * 40)\n"
                "    return __dump(obj, handle, **kw)\njson.dump = __forged",)),
    Case("int_past_float_range", "conv_single_step returns 10**4000 (OverflowError in the grader before)",
         "a wrong value, no grader failure", lost=SINGLE_STEP_USERS,
         functions={"conv_single_step": "def conv_single_step(window, kernel, bias=0.0):\n    return 10 ** 4000"}),
    Case("forged_metadata_and_errors", "forged display messages with 16 MiB metadata and 300 forged errors",
         "counted and dropped, full score",
         cells=("k = get_ipython().kernel\nbig = 'x' * 2**24\nfor i in range(20):\n"
                "    k.session.send(k.iopub_socket, 'display_data', dict(data=dict(), metadata=dict(m=big)),\n"
                "                   parent=k.get_parent('shell'), ident=b'display_data')\n"
                # each over-limit message drops the grader's output connection and ZMQ reconnects in about 0.1 s;
                # without this pause whether any forged error arrives was a race the machine's load decided
                # (graded twice, once with and once without "cell 6 error (E)", 2026-12-01; with 1 s, again on
                # 2026-12-02 with other work on the machine beside the suite: 3 s)
                "import time\ntime.sleep(3)\n"
                "for i in range(300):\n"
                "    k.session.send(k.iopub_socket, 'error', dict(ename='E', evalue='e' * 2000, traceback=['t'] * 40),\n"
                "                   parent=k.get_parent('shell'), ident=b'error')",)),
    Case("shell_reply_flood", "replies to requests never made, sent on the shell channel without pause, the "
         "interrupt ignored", "cell stopped at its limit, kernel restarted, full score", cells=(SHELL_FLOOD,),
         cell_timeout_s=3),
    Case("dates_in_parent_header", "an output message whose parent header is a megabyte of dates",
         "refused before parsing, full score", cells=(DATES_IN_PARENT_HEADER,)),
    Case("sleeps_when_replayed", "cells instant when first run that sleep when replayed after a crash",
         "the replays stopped at the notebook's total limit, full score",
         cells=(*[SLEEPS_WHEN_REPLAYED] * 8, ARM_AND_CRASH), cell_timeout_s=3, total_timeout_s=8),
    Case("fills_the_disk", "256 MB files written in a loop until the host's disk is full",
         "kernel stopped past its 2 GiB disk quota, not started again while its files are there",
         cells=(FILLS_THE_DISK,), lost=DAY93_FUNCTIONS, cell_timeout_s=60),
    Case("fills_the_disk_unseen", "the same, each file deleted while held open (no folder shows them)",
         "kernel stopped past its disk quota, restarted once they are freed, full score",
         cells=(FILLS_THE_DISK_UNSEEN,), cell_timeout_s=60),
    Case("fills_the_disk_in_a_socket", "the same, each file sent over a Unix socket and never received (no "
         "process holds them)", "no open file can be sent (sendmsg refused): PermissionError in the learner's cell, "
         "full score", cells=(FILLS_THE_DISK_IN_A_SOCKET,), cell_timeout_s=60),
    Case("fills_the_disk_main_thread_gone", "the same, held by the threads of a child whose main thread ended "
         "(its /proc/PID/fd empty)", "counted through its threads: kernel stopped past its disk quota, restarted "
         "once they are freed, full score", cells=(FILLS_THE_DISK_MAIN_THREAD_GONE,), cell_timeout_s=60),
    Case("fills_the_disk_in_a_thread_table", "a descriptor table of a thread's own (unshare(CLONE_FILES)), to hold "
         "files in", "refused (EPERM): PermissionError in the learner's cell, full score",
         cells=(UNSHARED.format(flags="0x400"),)),
    Case("fills_the_disk_in_a_mount", "a user and mount namespace of its own, to keep files by bind mounts alone",
         "refused (EPERM): PermissionError in the learner's cell, full score",
         cells=(UNSHARED.format(flags="0x10000000 | 0x20000"),)),
    Case("hides_files_from_the_walk", "inotify, to move files out of the quota's walk as it opens each folder",
         "refused (ENOSYS): OSError in the learner's cell, full score", cells=(HIDES_FROM_THE_WALK,)),
    Case("keras_zip_directory_300k", "a .keras whose zip directory lists 300,000 entries, named 20 times",
         "refused from the end record, before the directory is parsed", lost=("relu",),
         cells=("import struct, sys, types, json, shutil\n"
                "one = struct.pack('<4s4B4HL2L5H2L', b'PK\\x01\\x02', 20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,"
                " 0, 0) + b'x'\ncd = one * 300_000\n"
                "end = struct.pack('<4s4H2LH', b'PK\\x05\\x06', 0, 0, 0xFFFF, 0xFFFF, len(cd), 0, 0)\n"
                "open('/tmp/many.keras', 'wb').write(cd + end)\n"
                "fake = types.ModuleType('keras')\nclass Model:\n    def save(self, path):\n"
                "        shutil.copyfile('/tmp/many.keras', path)\nfake.Model = Model\nsys.modules['keras'] = fake\n"
                "__dump = json.dump\ndef __forged(obj, handle, **kw):\n"
                "    if isinstance(obj, dict) and obj.get('status') == 'ok' and obj['value'].get('kind') == 'keras':\n"
                "        obj['value'] = dict(kind='list', items=[obj['value']] * 20)\n"
                "    return __dump(obj, handle, **kw)\njson.dump = __forged\ndef relu(x):\n    return Model()",)),
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
    'shell_reply_flood': 'did not finish within',
    'sleeps_when_replayed': 'total time limit of 8 s',
    'memory_bomb': "used up the kernel's memory limit",
    'fills_the_disk': 'past its disk limit of 2048 MB',
    'fills_the_disk_unseen': 'past its disk limit of 2048 MB',
    'fills_the_disk_in_a_socket': 'PermissionError',
    'fills_the_disk_main_thread_gone': 'past its disk limit of 2048 MB',
    'fills_the_disk_in_a_thread_table': 'PermissionError',
    'fills_the_disk_in_a_mount': 'PermissionError',
    'hides_files_from_the_walk': 'raised OSError',
    'huge_allocation': 'MemoryError',
    'gigabytes_of_output': 'did not finish within',
    'output_flood': 'was dropped',
    'read_hidden_checks': 'FileNotFoundError',
    'read_solutions': 'FileNotFoundError',
    'read_test_labels': 'FileNotFoundError',
    'import_grader_answers': "No module named 'grader.transfer'",
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
    'notebook_100mb': 'over the 50 MB limit',
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


# ---------------------------------------------------------------- kind 6: batch bookkeeping (a class, not a notebook)

@dataclass(frozen=True)
class BatchCase:
    """One entry of a class folder graded by ``grader batch``: ``build(folder, ctx)`` writes it into the class
    folder; ``submissions`` is how many learners it adds (each must end up graded or failed with a reason)."""

    name: str
    tries: str
    expected: str
    build: object
    submissions: int = 1


def _solution_folder(folder: Path, name: str, notebook=None) -> None:
    path = folder / name / "day93" / "day93.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook or base_notebook("day93", "solution"), path)


def _colliding_ids(folder: Path, ctx: dict) -> None:
    for name in ("hw-learner 7", "hw-learner_7", "HW-Learner-7"):
        _solution_folder(folder, name)


def _zip_bomb(folder: Path, ctx: dict) -> None:
    import zipfile

    with zipfile.ZipFile(folder / "bomber.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("day93/day93.ipynb", nbformat.writes(base_notebook("day93", "solution")))
        with archive.open("day93/padding.bin", "w") as member:
            for _ in range(1024):
                member.write(b"\0" * 2**20)


def _many_members(folder: Path, ctx: dict) -> None:
    import zipfile

    with zipfile.ZipFile(folder / "crowd.zip", "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("day93/day93.ipynb", nbformat.writes(base_notebook("day93", "solution")))
        for i in range(100_000):
            archive.writestr(f"day93/junk/{i}.txt", b"")


def _undrawable(folder: Path, ctx: dict) -> None:
    nb = base_notebook("day93", "solution")
    _replace(nb, "relu", 'def relu(x):\n    raise ValueError("\\udcff\\x00\\ud800 " + "\\u202e" * 50 + "<svg/onload=1>")')
    nb.cells.append(nbformat.v4.new_code_cell('print("\\udcff\\x00" * 1000)\nraise RuntimeError("\\x00\\udcff")'))
    _solution_folder(folder, "undrawable", nb)


BATCH_CASES: tuple[BatchCase, ...] = (
    BatchCase("colliding_learner_ids", "three learner folders whose ids normalise to the same id",
              "each graded under its own id, none lost", _colliding_ids, submissions=3),
    BatchCase("zip_bomb", "a zip whose member inflates to 1 GiB", "refused from its header, the class graded",
              _zip_bomb),
    BatchCase("zip_100k_members", "a zip with 100,000 members", "refused from its directory, the class graded",
              _many_members),
    BatchCase("undrawable_values", "exception text with NUL, lone surrogates and bidi controls",
              "gradebook and summaries written", _undrawable),
)
