"""The Dask engine: where batch jobs run, and how their outcomes come back one by one.

``connect(...)`` gives a ``Client``: to an existing scheduler (``--scheduler`` or ``DASK_SCHEDULER_ADDRESS``), or
to an embedded cluster on this machine: ``per_gpu`` single-threaded workers per GPU (default 1) pinned with
``CUDA_VISIBLE_DEVICES`` (resource ``GPU=1`` each; a process each), else ``--workers`` single-threaded CPU workers
as threads of this process (a task only supervises a grading child of its own, so a worker process would add
nothing but its start: 2-4 s a batch on 2 cores; ``warm_up`` then starts those children before the cluster, so
their imports overlap its start). ``run_all``
keeps a small window of jobs in flight and yields each outcome as it finishes; a job whose worker died is
reported, never retried forever.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from grader import messages
from grader.environment import gpus
from grader.results import Text

ALLOWED_FAILURES = 1
WINDOW_PER_WORKER = 2


class EngineError(Exception):
    """No engine can be had: a one-line reason for the user, ``text`` in both languages (``str``: its English)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class Engine:
    client: object          # distributed.Client
    scheduler: str          # "local" or the address
    workers: tuple[str, ...]
    gpu_resource: bool      # every job asks for GPU=1


def gpu_ids() -> list[str]:
    """The GPU ids this process may pin workers to (CUDA_VISIBLE_DEVICES honoured)."""
    count = len(gpus())
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible:
        return [v.strip() for v in visible.split(",") if v.strip()][:count]
    return [str(i) for i in range(count)]


def gpu_worker_spec(ids: list[str], per_gpu: int = 1) -> dict[str, dict]:
    """SpecCluster workers: ``per_gpu`` single-threaded workers pinned to each GPU id (each with resource GPU=1, so
    that many submissions share a GPU at once); with more than one per GPU, TensorFlow grows its memory as needed
    (``TF_FORCE_GPU_ALLOW_GROWTH``) instead of the first process taking the whole GPU."""
    from distributed import Nanny

    if per_gpu < 1:
        raise EngineError(messages.text("engine_per_gpu", count=per_gpu))
    spec = {}
    for g in ids:
        env = {"CUDA_VISIBLE_DEVICES": g, **({"TF_FORCE_GPU_ALLOW_GROWTH": "true"} if per_gpu > 1 else {})}
        for k in range(per_gpu):
            name = f"gpu{g}" if per_gpu == 1 else f"gpu{g}-{k}"
            spec[name] = {"cls": Nanny, "options": {"nthreads": 1, "resources": {"GPU": 1}, "memory_limit": 0,
                                                    "name": name, "env": env}}
    return spec


def _local_gpus(workers: int | None, device: str) -> list[str]:
    """The GPU ids an embedded cluster pins workers to; none: CPU workers."""
    ids = [] if device == "cpu" else gpu_ids()
    if device == "gpu" and not ids:
        raise EngineError(messages.text("engine_no_gpu"))
    return ids[:workers] if workers else ids


def _local_cluster(ids: list[str], count: int, per_gpu: int = 1):
    from distributed import LocalCluster, Scheduler, SpecCluster

    quiet = {"silence_logs": logging.ERROR}
    # the scheduler always serves HTTP; ":0" takes any free port (None means 8787, and a warning on the
    # instructor's terminal when another cluster holds it)
    if ids:
        return SpecCluster(workers=gpu_worker_spec(ids, per_gpu),
                           scheduler={"cls": Scheduler, "options": {"dashboard_address": ":0"}}, **quiet)
    return LocalCluster(n_workers=count, threads_per_worker=1, processes=False, dashboard_address=":0",
                        memory_limit=0, **quiet)


@contextlib.contextmanager
def connect(*, workers: int | None = None, scheduler: str | None = None, device: str = "auto",
            per_gpu: int = 1, warm_up: Callable[[int], contextlib.AbstractContextManager] | None = None
            ) -> Iterator[Engine]:
    """The engine (see the module docstring). ``warm_up(n)``: a context entered before an embedded CPU cluster of
    ``n`` in-process workers starts and left before it stops (the jobs run in this process's threads); it is not
    used with a scheduler or GPU workers, whose jobs run in processes of their own."""
    if workers is not None and workers < 1:
        raise EngineError(messages.text("engine_workers", count=workers))
    remote = _address_given(scheduler)
    ids = [] if remote else _local_gpus(workers, device)
    count = workers or os.cpu_count() or 1
    with contextlib.ExitStack() as warm:  # left here too if the cluster cannot start
        if warm_up is not None and not remote and not ids:
            warm.enter_context(warm_up(count))
        with _connected(scheduler=scheduler, ids=ids, count=count, per_gpu=per_gpu) as engine:
            try:
                yield engine
            finally:  # before the cluster stops: what the warm-up started must not outlive its worker threads
                warm.close()


def _address_given(scheduler: str | None) -> bool:
    return bool(scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS"))


@contextlib.contextmanager
def _connected(*, scheduler, ids: list[str], count: int, per_gpu: int) -> Iterator[Engine]:
    import dask
    from distributed import Client

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        if address:
            try:
                client = Client(address, timeout=30)
            except OSError as error:
                raise EngineError(messages.text("engine_unreachable", address=address, why=error)) from None
            with client:
                yield _engine(client, address)
            return
        with _local_cluster(ids, count, per_gpu) as cluster, Client(cluster) as client:
            client.wait_for_workers(len(cluster.worker_spec), timeout=120)
            yield _engine(client, "local")


def _engine(client, scheduler: str) -> Engine:
    info = client.scheduler_info(n_workers=-1) if _takes_n_workers(client) else client.scheduler_info()
    workers = info.get("workers", {})
    if not workers:
        client.wait_for_workers(1, timeout=120)
        workers = client.scheduler_info().get("workers", {})
    names = tuple(sorted(str(w.get("name", a)) for a, w in workers.items()))
    gpu = bool(workers) and all(w.get("resources", {}).get("GPU") for w in workers.values())
    return Engine(client=client, scheduler=scheduler, workers=names, gpu_resource=gpu)


def _takes_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def run_all(engine: Engine, jobs: Iterable, task: Callable, failed: Callable) -> Iterator[tuple[object, object]]:
    """(job, outcome) as each job finishes; ``failed(job, reason)`` makes the outcome of a job Dask lost
    (``reason``: a :class:`Text`)."""
    from distributed import as_completed

    client, pending = engine.client, iter(jobs)
    running = as_completed()
    jobs_by_key: dict = {}
    resources = {"GPU": 1} if engine.gpu_resource else None

    def top_up() -> None:
        """Keep about two jobs per worker in flight (workers may join later: a SLURM or Kubernetes cluster)."""
        window = max(2, WINDOW_PER_WORKER * len(client.nthreads()))
        while len(jobs_by_key) < window:
            job = next(pending, None)
            if job is None:
                return
            future = client.submit(task, job, pure=False, resources=resources)
            jobs_by_key[future.key] = job
            running.add(future)

    top_up()
    for future in running:
        job = jobs_by_key.pop(future.key)
        yield job, _outcome(future, job, failed)
        future.release()
        top_up()


def _outcome(future, job, failed: Callable):
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return failed(job, messages.text("batch_reason_lost", times=ALLOWED_FAILURES + 1))
    except Exception as error:  # noqa: BLE001 - whatever Dask lost, this submission is reported, the rest go on
        said = f"{type(error).__name__}: {error}"[:300]   # Dask's own words, in no language of ours
        return failed(job, Text(said, said))
