#!/usr/bin/env bash
# Issue 15's GPU runner: install the project on a GPU machine with no network, grade day97's solution there (time to
# 0.99 test accuracy, the device named), then `grader batch` on N day97 submissions with K workers sharing the GPU
# (--per-gpu K: TF_FORCE_GPU_ALLOW_GROWTH=true, so they share its memory), and print the figures (also written to
# $REPORT_DIR/report.md).
#
#   benchmarks/gpu_runner.sh [--dry-run] [--per-gpu K] [--submissions N]
#
# What it expects on the GPU machine:
# - an NVIDIA GPU with its driver (nvidia-smi), Python >= 3.10 as $PYTHON (default python3);
# - either the project and TensorFlow already importable by $PYTHON, or a wheelhouse at $WHEELHOUSE (default
#   ./wheelhouse) holding every wheel the install needs, prepared beforehand on a machine with network, for the GPU
#   machine's Python version and platform, e.g. for Python 3.12:
#     python -m pip download -d wheelhouse --python-version 3.12 --only-binary=:all: \
#         --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
#         "tensorflow[and-cuda]>=2.16" dask distributed copydetect pyyaml setuptools wheel \
#         $(python -c "import tomllib;print(' '.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))")
#   (tensorflow[and-cuda] brings the CUDA 12 libraries TensorFlow needs: about 3 GB in all).
#   The project itself is installed from this working tree (pip install --no-index --no-build-isolation -e .).
# - the learner's kernel only sees the environment variables in grader/kernel.py's ENV_ALLOWED: for K > 1 the
#   kernels (which train day97's model) need TF_FORCE_GPU_ALLOW_GROWTH there too, else the first kernel takes the
#   whole GPU; the script warns when it is missing.
# - the kernels' sandbox (grader/sandbox.py: cgroups, namespaces) as on any grading machine; what was applied is
#   printed from the solution's JSON (execution.sandbox).
#
# --dry-run proves the script's logic on a CPU machine: CUDA_VISIBLE_DEVICES="", day93 instead of day97, 2
# submissions, no nvidia-smi, the installed project when no wheelhouse is there.
set -euo pipefail

DRY_RUN=0
PER_GPU=4
SUBMISSIONS=8
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dry-run) DRY_RUN=1; shift ;;
        --per-gpu) PER_GPU="$2"; shift 2 ;;
        --submissions) SUBMISSIONS="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "gpu_runner: unknown option $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
WHEELHOUSE="${WHEELHOUSE:-$ROOT/wheelhouse}"
VENV="${VENV:-/tmp/grader-gpu-venv}"
REPORT_DIR="${REPORT_DIR:-${OUT:-/tmp/gpu-report}}"
WORK="$(mktemp -d /tmp/gpu-runner-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$REPORT_DIR"
REPORT="$REPORT_DIR/report.md"
: > "$REPORT"
say() { echo "$*" | tee -a "$REPORT"; }

if [[ $DRY_RUN == 1 ]]; then
    export CUDA_VISIBLE_DEVICES=""
    DAY=day93
    SUBMISSIONS=2
    DEVICE_ARGS=(--device auto --workers 2 --per-gpu "$PER_GPU")
else
    DAY=day97
    DEVICE_ARGS=(--device gpu --per-gpu "$PER_GPU")
fi
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
[[ $PER_GPU -gt 1 ]] && export TF_FORCE_GPU_ALLOW_GROWTH=true

say "# GPU runner $(date -u +%Y-%m-%dT%H:%M:%SZ)$([[ $DRY_RUN == 1 ]] && echo ' (dry run on CPU)')"
say ""
say "- machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $DRY_RUN == 0 ]]; then
    command -v nvidia-smi >/dev/null || { echo "gpu_runner: nvidia-smi not found: no NVIDIA driver here" >&2; exit 2; }
    say "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | paste -sd ';')"
fi

# ---- install: the project and TensorFlow, offline
if "$PYTHON" -c "import grader.worker, tensorflow, distributed" 2>/dev/null; then
    say "- install: already importable by $PYTHON ($("$PYTHON" -c 'import tensorflow as t; print("TensorFlow", t.__version__)' 2>/dev/null))"
elif [[ -d "$WHEELHOUSE" ]]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --no-index --find-links "$WHEELHOUSE" setuptools wheel
    "$VENV/bin/python" -m pip install -q --no-index --find-links "$WHEELHOUSE" "tensorflow[and-cuda]>=2.16"
    "$VENV/bin/python" -m pip install -q --no-index --find-links "$WHEELHOUSE" --no-build-isolation -e ".[batch]"
    PYTHON="$VENV/bin/python"
    say "- install: from $WHEELHOUSE into $VENV"
else
    echo "gpu_runner: neither an installed project with TensorFlow for $PYTHON nor a wheelhouse at $WHEELHOUSE;" \
         "prepare one (see the top of this script)" >&2
    exit 2
fi
GRADER=("$PYTHON" -m grader.cli)
if ! grep -q TF_FORCE_GPU_ALLOW_GROWTH grader/kernel.py && [[ $PER_GPU -gt 1 ]]; then
    say "- WARNING: grader/kernel.py's ENV_ALLOWED lacks TF_FORCE_GPU_ALLOW_GROWTH: learner kernels sharing a GPU" \
        "may each try to take all of its memory"
fi
if [[ $DRY_RUN == 0 ]]; then
    say "- TensorFlow sees: $("$PYTHON" -c 'import tensorflow as tf; print(tf.config.list_physical_devices("GPU"))')"
fi

# ---- one grading of the day's solution: time, accuracy, device
began=$(date +%s.%N)
"${GRADER[@]}" grade "solutions/$DAY" --json "$REPORT_DIR/solution.json" --format json --seed 1 --lang en >/dev/null
ended=$(date +%s.%N)
"$PYTHON" - "$REPORT_DIR/solution.json" "$began" "$ended" <<'EOF' | tee -a "$REPORT"
import json, sys
result = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
for e in result["exercises"]:
    ex = e["execution"]
    print(f"- {e['id']} solution: score {e['score']:g}/{e['max_score']:g}, metrics {e.get('metrics') or {}}, "
          f"learner cells (training) {ex['learner_s']:.1f} s, kernel start {ex['kernel_start_s']:.1f} s, "
          f"checks {e.get('durations', {}).get('checks_s', float('nan')):.1f} s; wall of `grader grade` {wall:.1f} s; "
          f"device: {result['environment']['device']}; sandbox: {json.dumps(ex.get('sandbox'))[:300]}")
EOF

# ---- grader batch: N submissions of the solution, K per GPU
for i in $(seq -w 1 "$SUBMISSIONS"); do
    mkdir -p "$WORK/class/gpu-learner$i/$DAY"
    cp "solutions/$DAY/$DAY.ipynb" "$WORK/class/gpu-learner$i/$DAY/$DAY.ipynb"
done
began=$(date +%s.%N)
set +e
"${GRADER[@]}" batch "$WORK/class" --out "$WORK/batch" "${DEVICE_ARGS[@]}" --seed 1 --lang en --quiet \
    2> "$REPORT_DIR/batch.log"
status=$?
set -e
ended=$(date +%s.%N)
tail -1 "$REPORT_DIR/batch.log"
cp "$WORK/batch/run.json" "$WORK/batch/gradebook.csv" "$REPORT_DIR/" 2>/dev/null || true
"$PYTHON" - "$WORK/batch/run.json" "$began" "$ended" "$SUBMISSIONS" "$status" "$PER_GPU" <<'EOF' | tee -a "$REPORT"
import json, sys
run = json.load(open(sys.argv[1]))
wall, n = float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4])
print(f"- grader batch, {n} submissions, --per-gpu {sys.argv[6]}: exit {sys.argv[5]}, wall {wall:.1f} s "
      f"({60 * n / wall:.1f} submissions/min), failed {run['failed']}, per submission {run['grading_s']}, "
      f"workers {run['workers']}, devices {run['devices']}")
EOF
[[ $status == 0 ]] || { echo "gpu_runner: grader batch exited $status (see $REPORT_DIR/batch.log)" >&2; exit "$status"; }
say ""
say "report: $REPORT"
