"""Uploaded models are read and run in a child process with a memory and a time budget.

A model file is small, but what it makes the machine do is not: a 300-byte ONNX graph can
ask onnxruntime for 17 GB (an ``Expand`` node), a 1.5 MB skops archive can unpack to
gigabytes. So the server never opens one itself. `run_model_task` starts
``python -m audit.explain._sandbox`` with one task (read the model and describe it, run
it, or explain rows with it); the child limits its own address space (``RLIMIT_AS``: what
it needed to start plus ``Limits.model_memory_mb``) and CPU time (``RLIMIT_CPU``), and
the parent kills it after ``Limits.model_seconds``. A model over budget is refused with a
message (`AuditInputError`), and the server goes on.

The request goes to the child as a pickle (the parent is trusted); the answer comes back
as a NumPy ``.npz`` archive read with ``allow_pickle=False`` plus a JSON header, so that
nothing a model does in the child can run code in the server.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from audit._errors import AuditInputError
from audit._words import clip
from audit.inputs import Limits

__all__ = ["MODEL_CRASHED", "MODEL_FAILED", "MODEL_MEMORY", "MODEL_TIMEOUT", "run_model_task"]

MODEL_MEMORY = (
    "{name} needed more memory than the {limit:,} MB an uploaded model may use, so it was "
    "stopped (the server is unaffected). A model that asks for this much on a few rows is "
    "broken or hostile. Upload a smaller model, or ask the person who runs this tool to raise "
    "AUDIT_MODEL_MEMORY_MB."
)
MODEL_TIMEOUT = (
    "{name} ran for more than the {limit:,} seconds an uploaded model may take, so it was "
    "stopped (the server is unaffected). Upload a smaller or faster model, explain fewer "
    "rows, or ask the person who runs this tool to raise AUDIT_MODEL_SECONDS."
)
MODEL_CRASHED = (
    "{name} stopped the process that ran it ({how}), so it was not used (the server is "
    "unaffected). It may need more than the {memory:,} MB or {seconds:,} seconds an uploaded "
    "model may take. Export the model again, or upload a smaller one."
)
MODEL_FAILED = (
    "{name} could not be run on the data: {detail}. Check that the model takes the dataset's "
    "columns as they are in the file, or export it again and upload the new file."
)
_STARTUP_SECONDS = 120  # importing the model libraries in the child, on a busy machine
_ALLOCATION_WORDS = ("bad_alloc", "bad allocation", "failed to allocate", "out of memory",
                     "cannot allocate", "memoryerror")
_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds the audit package


def run_model_task(task: str, request: dict[str, Any], *, name: str,
                   limits: Limits | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Run ``task`` of `audit.explain._model_io` in a child process within the budget.

    Returns the task's JSON header and its arrays. Raises `AuditInputError` when the model
    is refused, runs over its memory or time, fails on the data, or kills its process.
    """
    limits = Limits.from_env() if limits is None else limits
    payload = pickle.dumps({"task": task, "request": request,
                            "memory_mb": limits.model_memory_mb,
                            "seconds": limits.model_seconds})
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(
               p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    try:
        done = subprocess.run([sys.executable, "-m", "audit.explain._sandbox"], input=payload,
                              capture_output=True, env=env, cwd=_ROOT,
                              timeout=limits.model_seconds + _STARTUP_SECONDS, check=False)
    except subprocess.TimeoutExpired as err:
        raise AuditInputError(MODEL_TIMEOUT.format(name=clip(name),
                                                   limit=limits.model_seconds)) from err
    header, arrays = _read_answer(done.stdout)
    if header is None:
        raise AuditInputError(_crash(done, name, limits))
    status, message = header.get("status"), str(header.get("message", ""))
    if status == "ok":
        return header, arrays
    if status == "input":
        raise AuditInputError(message)
    if status == "memory":
        raise AuditInputError(MODEL_MEMORY.format(name=clip(name),
                                                  limit=limits.model_memory_mb))
    raise AuditInputError(MODEL_FAILED.format(name=clip(name), detail=clip(message, 300)))


def _read_answer(raw: bytes) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
    """The child's answer: its header and arrays, read without unpickling anything."""
    if not raw:
        return None, {}
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        header = json.loads(str(arrays.pop("__header__")))
    except (ValueError, OSError, KeyError, EOFError):
        return None, {}
    return (header if isinstance(header, dict) else None), arrays


def _crash(done: subprocess.CompletedProcess[bytes], name: str, limits: Limits) -> str:
    code = done.returncode
    if code < 0:
        try:
            how = f"signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"signal {-code}"
    else:
        how = f"exit status {code}"
    tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if any(word in tail[0].lower() for word in _ALLOCATION_WORDS) or code in (
            -signal.SIGKILL, -signal.SIGXCPU):
        if code == -signal.SIGXCPU:
            return MODEL_TIMEOUT.format(name=clip(name), limit=limits.model_seconds)
        return MODEL_MEMORY.format(name=clip(name), limit=limits.model_memory_mb)
    return MODEL_CRASHED.format(name=clip(name), how=how, memory=limits.model_memory_mb,
                                seconds=limits.model_seconds)


# --- the child --------------------------------------------------------------------------


def _vm_size() -> int:
    """This process's virtual memory size in bytes (what ``RLIMIT_AS`` counts)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_self(memory_mb: int, seconds: int) -> None:
    """Cap this process: address space (what it uses now plus ``memory_mb``, never above a
    limit it inherited), CPU seconds, and no core file."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    budget = _vm_size() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # a server started under `ulimit -v`: stay within it
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def _answer(header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
    buffer = io.BytesIO()
    named: dict[str, Any] = {"__header__": np.array(json.dumps(header)), **(arrays or {})}
    np.savez(buffer, **named)
    sys.stdout.buffer.write(buffer.getvalue())
    sys.stdout.flush()


def _is_allocation_failure(err: BaseException) -> bool:
    text = f"{type(err).__name__} {err}".lower()
    return isinstance(err, MemoryError) or any(word in text for word in _ALLOCATION_WORDS)


def _child() -> None:
    message = pickle.loads(sys.stdin.buffer.read())
    # imported here, by name, in the child only (the face imports this module): the
    # libraries load before the limit is set
    _model_io = importlib.import_module("audit.explain._model_io")

    _model_io.warm_up(message["task"])
    _limit_self(message["memory_mb"], message["seconds"])
    try:
        header, arrays = _model_io.child_task(message["task"], message["request"])
    except AuditInputError as err:
        _answer({"status": "input", "message": str(err)})
    except Exception as err:  # the model's own failure, reported to the parent as such
        status = "memory" if _is_allocation_failure(err) else "error"
        _answer({"status": status, "message": f"{type(err).__name__}: {err}"})
    else:
        _answer({"status": "ok", **header}, arrays)


if __name__ == "__main__":
    _child()
