"""Several people at once: each browser session sees only its own files, numbers and review.

Two (then three) `AppTest` sessions run in one process, as Streamlit's sessions do on one
server: they share the module-level caches of `pages._ui.cache` and nothing else. A cache
entry may be shared between sessions only when both audit the same bytes the same way
(it is keyed by the files' sha256 and the spec); what a session adds, its review, notes
and reviewer names, must never reach a cache. The last test checks statically that no
module under ``audit/`` or ``pages/`` (or ``app.py``) keeps user data in module-level
mutable state.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.caching import cache_data_api, cache_resource_api
from streamlit.testing.v1 import AppTest

from audit.engine import AuditRun, audit_inputs
from tests.conftest import (
    HIRING,
    ROOT,
    SAMPLE_DATASET,
    SAMPLE_PREDICTIONS,
    open_details,
    read_sample,
    run_audit,
    upload,
)

TIMEOUT = 120
BOOTSTRAP = 100  # enough to exercise the intervals, quick enough for three sessions
NOTE, REVIEWER = "NOTE-of-session-A-93f1", "Reviewer-A-7c1e"


def _session() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/screens/upload.py").run()
    assert not at.exception
    return at


def _upload(at: AppTest, key: str, path: Path) -> None:
    upload(at, key, path)
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]


def _run(at: AppTest, sensitive: list[str]) -> AuditRun:
    at.multiselect(key="role_sensitive").set_value(sensitive)
    open_details(at, "details_advanced").number_input(key="opt_bootstrap").set_value(BOOTSTRAP)
    if at.selectbox(key="role_favorable").value is None:  # 0/1 codes: the user says which
        at.selectbox(key="role_favorable").set_value("1")
    at.run()
    run_audit(at)
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    return at.session_state["run"]


def _metrics(run: AuditRun) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    return {(g.attribute, g.group, name): (e.value, e.ci_low, e.ci_high)
            for g in run.result.groups for name, e in g.metrics.items()}


def _same(a: dict[Any, tuple[float, ...]], b: dict[Any, tuple[float, ...]]) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(np.array(a[k]), np.array(b[k]), equal_nan=True) for k in a)


def _cached_values() -> Iterator[Any]:
    """Every value in Streamlit's process-wide caches (resource and data caches)."""
    for caches in cache_resource_api._resource_caches._function_caches.values():
        for cache in caches.values():
            for result in list(cache._mem_cache.values()):
                yield result.value
    for data_cache in cache_data_api._data_caches._function_caches.values():
        storage = data_cache.storage
        yield from list(getattr(storage, "_mem_cache", {}).values())


def _holds(value: Any, needle: str, seen: set[int] | None = None, depth: int = 0) -> bool:
    """Whether ``needle`` occurs in any text reachable from ``value``."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 12:
        return False
    seen.add(id(value))
    if isinstance(value, str):
        return needle in value
    if isinstance(value, bytes | bytearray):
        return needle.encode() in value
    if isinstance(value, pd.DataFrame):
        text = value.select_dtypes(exclude="number")
        return any(needle in str(c) for c in value.columns) or bool(
            text.astype(str).apply(lambda s: s.str.contains(needle, regex=False)).any().any())
    if isinstance(value, np.ndarray):
        return value.dtype == object and any(_holds(v, needle, seen, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_holds(k, needle, seen, depth + 1) or _holds(v, needle, seen, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds(v, needle, seen, depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_holds(getattr(value, f.name), needle, seen, depth + 1)
                   for f in dataclasses.fields(value))
    return False


def test_two_sessions_see_only_their_own_data_and_review(downloads):
    a, b = _session(), _session()
    _upload(a, "upload_dataset", SAMPLE_DATASET)
    _upload(b, "upload_dataset", HIRING)
    _upload(a, "upload_predictions", SAMPLE_PREDICTIONS)
    run_a = _run(a, ["sex", "race"])
    run_b = _run(b, ["gender", "ethnicity"])

    assert [p.name for _, p in run_a.inputs] == ["lending_applicants.csv",
                                                  "lending_predictions.csv"]
    assert [p.name for _, p in run_b.inputs] == ["hiring.csv"]
    assert a.success[0].value.startswith("Audit ready for lending\\_applicants.csv and ")
    assert b.success[0].value.startswith("Audit ready for hiring.csv: 4,000 rows")
    assert b.session_state["predictions"] is None
    assert a.session_state["dataset"].provenance.name == "lending_applicants.csv"

    # each session's numbers are the engine's numbers for its own files
    lending = audit_inputs(dataset=read_sample(SAMPLE_DATASET),
                           predictions=read_sample(SAMPLE_PREDICTIONS),
                           spec=run_a.result.spec, id_column=run_a.id_column)
    hiring = audit_inputs(dataset=read_sample(HIRING), predictions=None,
                          spec=run_b.result.spec, id_column=run_b.id_column)
    assert _same(_metrics(run_a), _metrics(lending))
    assert _same(_metrics(run_b), _metrics(hiring))
    assert {g.attribute for g in run_b.result.groups} == {"gender", "ethnicity",
                                                          "gender × ethnicity"}

    for at, own, other in ((a, "race", "ethnicity"), (b, "ethnicity", "race")):
        open_details(at.switch_page("pages/screens/fairness.py"), "details_findings")
        assert not at.exception
        shown = " ".join(e.value for e in (*at.error, *at.success, *at.warning))
        assert f"{own}:" in shown and f"{other}:" not in shown

    # A reviews; B's review page knows nothing of it
    a.switch_page("pages/screens/review.py").run()
    a.text_input(key="review_reviewers").input(REVIEWER)
    a.text_area(key="review_notes").input(NOTE)
    a.radio(key="review_decision").set_value("reject")
    a.button(key="review_save").click().run()
    assert not a.exception and not a.error
    assert NOTE in downloads["download_json"].decode("utf-8")  # the canonical bytes
    b.switch_page("pages/screens/review.py").run()
    assert not b.exception
    assert b.session_state["review"] is None
    assert b.text_input(key="review_reviewers").value == ""
    assert b.text_area(key="review_notes").value == ""
    record_b = json.loads(downloads["download_json"])
    assert record_b["review"] is None and record_b["inputs"][0]["name"] == "hiring.csv"
    shown_b = downloads["download_json"].decode("utf-8")
    assert NOTE not in shown_b and REVIEWER not in shown_b

    # nothing A typed is in a cache another session could read
    values = list(_cached_values())
    assert any(isinstance(v, AuditRun) for v in values)  # the scan does reach the caches
    for value in values:
        assert not _holds(value, NOTE) and not _holds(value, REVIEWER)
        assert not (isinstance(value, bytes) and value.startswith(b"%PDF"))

    # a third session with the same bytes and mapping shares A's computed run, not A's review
    c = _session()
    _upload(c, "upload_dataset", SAMPLE_DATASET)
    _upload(c, "upload_predictions", SAMPLE_PREDICTIONS)
    run_c = _run(c, ["sex", "race"])
    assert run_c is run_a  # cache_resource keyed on the sha256 of the bytes and the spec
    c.switch_page("pages/screens/review.py").run()
    assert c.session_state["review"] is None
    assert c.text_area(key="review_notes").value == ""
    assert NOTE not in downloads["download_json"].decode("utf-8")
    assert a.session_state["review"].notes == NOTE  # A's review is untouched


# --- no module-level mutable state holding user data ------------------------------------

SOURCES = sorted([ROOT / "app.py", *(ROOT / "audit").glob("*.py"), *(ROOT / "pages").rglob("*.py")])
MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}
MUTATORS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
            "setdefault", "add", "discard", "sort", "reverse", "appendleft", "extendleft",
            "__setitem__", "__delitem__"}
MUTABLE_NODES = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
#: (file, what) pairs that are allowed, with the reason.
ALLOWED = {
    ("audit/__init__.py", "globals()"): "the lazy re-export stores imported names, no data",
}


def _module_containers(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.AnnAssign) else [])
        mutable = isinstance(value, MUTABLE_NODES) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute)
            and (value.func.id if isinstance(value.func, ast.Name) else value.func.attr)
            in MUTABLE_CALLS)
        if mutable:
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return f"{node.func.id}()"
    return node.id if isinstance(node, ast.Name) else None


def _problems(path: Path, relative: str) -> list[str]:
    """Module-level state changed at run time (inside a function), and argument memos."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    containers = _module_containers(tree)
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        local = {a.arg for a in (*function.args.args, *function.args.kwonlyargs)}
        for node in ast.walk(function):
            if isinstance(node, ast.Global | ast.Nonlocal):
                found.append(f"line {node.lineno}: {type(node).__name__.lower()} "
                             f"{', '.join(node.names)}")
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
                targets = (node.targets if isinstance(node, ast.Assign | ast.Delete)
                           else [node.target])
            for target in targets:
                if isinstance(target, ast.Subscript | ast.Attribute):
                    name = _root_name(target)
                    if name in containers and name not in local or name == "globals()":
                        found.append(f"line {node.lineno}: {name} changed")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MUTATORS):
                name = _root_name(node.func.value)
                if name in containers and name not in local:
                    found.append(f"line {node.lineno}: {name}.{node.func.attr}()")
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            label = ast.unparse(target)
            takes_arguments = bool(function.args.args or function.args.kwonlyargs)
            if label in {"functools.cache", "functools.lru_cache", "cache", "lru_cache"} \
                    and takes_arguments:
                found.append(f"line {function.lineno}: {label} on {function.name}() keeps "
                             "its arguments in a process-wide memo")
    found.sort(key=lambda problem: int(problem.split()[1].rstrip(":")))
    return [p for p in found if not any(relative == f and w in p for f, w in ALLOWED)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_level_state_changes_at_run_time(path: Path):
    """Streamlit runs every session in one process: a module-level dict or list that a
    function fills would be shared by every user. Caches go through ``st.cache_*`` keyed
    on the input bytes (pages/_ui/cache.py); per-user data lives in ``st.session_state``."""
    assert _problems(path, path.relative_to(ROOT).as_posix()) == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import functools\nSEEN = {}\nLOG: list = []\nCOUNT = 0\n"
        "def keep(x):\n    SEEN[x] = 1\n    LOG.append(x)\n    global COUNT\n    COUNT += 1\n"
        "@functools.lru_cache\ndef memo(frame):\n    return frame\n"
        "def fine(SEEN):\n    SEEN['x'] = 1\n    local = {}\n    local['y'] = 2\n")
    assert _problems(bad, "bad.py") == [
        "line 6: SEEN changed", "line 7: LOG.append()", "line 8: global COUNT",
        "line 11: functools.lru_cache on memo() keeps its arguments in a process-wide memo"]
