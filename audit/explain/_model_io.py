"""Uploaded models, in safe formats only, and how each is explained with SHAP.

Accepted: ``.skops`` files (scikit-learn models serialised without pickle; types outside
scikit-learn's own estimators must be on :data:`TRUSTED_TYPES` or passed in ``trusted``)
and ``.onnx`` files (run by onnxruntime). Pickle and joblib files are refused without
being opened: unpickling runs arbitrary code on the server.

The explained *output* of a model is its raw margin where it has one: log-odds of the
favorable class for boosted trees, logistic regression and any classifier with
probabilities; the favorable class's probability for forests (that is what SHAP's tree
algorithm explains for them); the prediction itself for a regressor (``"score"``).

The server never opens an upload itself: `load_model` checks what it can without opening
the file (pickle, size, a skops archive's unpacked size), then reads and runs the model in
a child process with a memory and time budget (`audit.explain._sandbox`). The parent's
`LoadedModel` holds the file and what the child found in it; each use of the model (its
output, its SHAP values) is another task for a child.

Explainers: ``shap.TreeExplainer(model)`` without background data (path-dependent, exact)
for scikit-learn tree ensembles; ``shap.LinearExplainer`` for linear models; otherwise
``shap.PermutationExplainer`` on a small background sample. All three are additive: for
every row, the SHAP values plus the base value equal the model output (the permutation
values telescope from the fully masked output to the row's output, so their sum is exact
whatever the number of permutations).
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit._errors import AuditInputError
from audit._words import clip, listed, quoted

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav")
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
)
MAX_MODEL_MB = 200
MAX_UNPACKED_MB = 1_000  # what a skops archive may unpack to
BACKGROUND_ROWS = 100

PICKLE_REFUSED = (
    "{name} is a pickle file. Pickle and joblib files are refused: unpickling runs "
    "arbitrary code on the server, so opening the file could hand the server to whoever "
    "made it. Convert the model where it was trained and upload the result: "
    'skops.io.dump(model, "model.skops") for a scikit-learn model, or '
    "skl2onnx.to_onnx(model, X[:1]) for an ONNX file."
)
SKOPS_UNTRUSTED = (
    "{name} contains types that are not trusted: {types}. Loading them could run code "
    "from the file, so it was not loaded. Trusted are scikit-learn's own estimators and "
    "transformers and these types: {trusted}. Rebuild the model from scikit-learn "
    "estimators only, or export it to ONNX with skl2onnx."
)
UNSUPPORTED_FORMAT = (
    "{name} is not a supported model file. Upload a .skops file (made with "
    'skops.io.dump(model, "model.skops")) or an .onnx file (made with skl2onnx).'
)
UNREADABLE = (
    "{name} could not be read as a {format} model. Export the model again and upload the new file."
)
UNPACKS_TOO_FAR = (
    "{name} would unpack to {size:,.0f} MB, more than the {limit:,} MB a model file may unpack "
    "to, so it was not opened (a small file that unpacks that far is a zip bomb). Upload the "
    'model saved with skops.io.dump(model, "model.skops"), or a smaller model.'
)
TOO_LARGE = (
    "{name} is {size:.0f} MB; model files of up to {limit} MB are accepted. Upload a "
    "smaller model (fewer or shallower trees)."
)
NOT_A_MODEL = (
    "{name} holds a {kind}, not a fitted model with a predict method. Save the fitted "
    "estimator or pipeline itself."
)
NOT_BINARY = (
    "{name} predicts {count} classes ({classes}); the audit explains yes/no decisions only. "
    "Upload a model with two classes."
)
FAVORABLE_NOT_A_CLASS = (
    "{name} predicts the classes {classes}, and none of them is the favorable value "
    "{favorable!r}. Check the favorable value, or upload the model that made these "
    "predictions."
)
FEATURES_UNKNOWN = (
    "{name} does not record which columns it takes. Give its input column names in order, "
    "or fit it on a pandas DataFrame so that it records them (feature_names_in_)."
)
FEATURE_COUNT = (
    "{name} takes {expected} input columns, but {given} column names were given. Give "
    "exactly one name per model input, in the order the model was trained on."
)
MISSING_COLUMNS = (
    "{name} takes the columns {missing}, which are not in the dataset. Upload the dataset "
    "with the columns the model was trained on."
)
NOT_NUMERIC = (
    "Column {column!r} holds text, but {name} takes numbers. Upload the data encoded the "
    "way the model was trained on, or a pipeline that includes its encoder."
)

OutputSpace = Literal["log-odds", "probability", "margin", "score"]


def import_shap() -> Any:
    """Import shap, silencing the matplotlib deprecation notices its import triggers."""
    with warnings.catch_warnings():
        # shap 0.51's colour module calls Colormap.set_bad/set_over/set_under, which
        # matplotlib >= 3.10 marks as pending deprecation; harmless, and not ours to fix.
        warnings.filterwarnings(
            "ignore",
            message=r"The set_(bad|over|under) function",
            category=PendingDeprecationWarning,
        )
        import shap
    return shap


def preload() -> None:
    """Import what an explanation needs (scikit-learn's trees and folds, SHAP): about three
    seconds of CPU on a fresh process, which a page can spend while the person chooses the
    settings (`explain` imports them anyway; this only moves the wait)."""
    import sklearn.ensemble  # noqa: F401
    import sklearn.model_selection  # noqa: F401

    import_shap()


def is_pickle(data: bytes, name: str) -> bool:
    """Whether ``name`` or the leading bytes say this is a pickle (protocol 2 or later)."""
    header = len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5
    return name.lower().endswith(PICKLE_SUFFIXES) or header


def _text(value: object) -> str:
    """Class labels as text, with 1/true and 0/false read as the same value."""
    text = str(value).strip().lower()
    return {"1": "true", "1.0": "true", "0": "false", "0.0": "false"}.get(text, text)


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A model read from a safe upload, with what is needed to run and explain it.

    ``classes`` are the class labels as text in the model's order (empty for a
    regressor); ``feature_names`` the input columns, in order, when known.
    """

    name: str
    format: Literal["skops", "onnx"]
    sha256: str
    model: Any
    task: Literal["classification", "regression"]
    classes: tuple[str, ...]
    feature_names: tuple[str, ...] | None
    explainer: Literal["tree", "linear", "permutation"]
    output_space: OutputSpace
    data: bytes = field(default=b"", repr=False)  # the uploaded file, for the child process
    trusted: tuple[str, ...] = ()

    def input_columns(self, available: Sequence[str]) -> tuple[str, ...]:
        """The model's input columns, checked against the dataset's ``available`` columns."""
        if self.feature_names is None:
            raise AuditInputError(FEATURES_UNKNOWN.format(name=self.name))
        missing = [c for c in self.feature_names if c not in set(available)]
        if missing:
            raise AuditInputError(MISSING_COLUMNS.format(name=self.name, missing=quoted(missing)))
        return self.feature_names

    def favorable_index(self, favorable: str) -> int:
        """Position of the favorable class among ``classes``."""
        wanted = _text(favorable)
        for i, label in enumerate(self.classes):
            if _text(label) == wanted:
                return i
        raise AuditInputError(
            FAVORABLE_NOT_A_CLASS.format(
                name=self.name, classes=[clip(c) for c in self.classes],
                favorable=clip(favorable)
            )
        )

    def output(self, table: pd.DataFrame, *, favorable: str) -> np.ndarray:
        """The explained output for each row of ``table`` (see ``output_space``), computed
        in a child process within the model budget."""
        if self.model is None:
            _, arrays = self._in_child("output", table=table, favorable=favorable)
            return np.asarray(arrays["output"], dtype=np.float64)
        return np.asarray(self._function(table, favorable)(table), dtype=np.float64)

    def attribute(self, table: pd.DataFrame, *, favorable: str, background: pd.DataFrame,
                  seed: int) -> tuple[Any, np.ndarray, np.ndarray | None]:
        """SHAP values of ``table`` (`explain_rows`), the output and the probability of the
        favorable class, from one run of the model in a child process."""
        if self.model is not None:
            return (self.explain_rows(table, favorable=favorable, background=background,
                                      seed=seed),
                    self.output(table, favorable=favorable),
                    self.probability(table, favorable=favorable))
        _, arrays = self._in_child("attribute", table=table, favorable=favorable,
                                   background=background, seed=seed)
        explanation = import_shap().Explanation(
            values=np.asarray(arrays["values"], dtype=np.float64),
            base_values=np.asarray(arrays["base_values"], dtype=np.float64),
            data=table.to_numpy(), feature_names=list(table.columns))
        probability = arrays.get("probability")
        return (explanation, np.asarray(arrays["output"], dtype=np.float64),
                None if probability is None else np.asarray(probability, dtype=np.float64))

    def _in_child(self, task: str, **request: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        from audit.explain._sandbox import run_model_task

        return run_model_task(task, {"model": self._source(), **request}, name=self.name)

    def _source(self) -> dict[str, Any]:
        return {"data": self.data, "name": self.name, "trusted": self.trusted,
                "feature_names": self.feature_names}

    def probability(self, table: pd.DataFrame, *, favorable: str) -> np.ndarray | None:
        """Probability of the favorable class, or None for a regressor."""
        if self.task == "regression":
            return None
        out = self.output(table, favorable=favorable)
        if self.output_space == "probability":
            return out
        if self.output_space == "log-odds":
            return np.asarray(1.0 / (1.0 + np.exp(-out)))
        return None

    def decision(self, output: np.ndarray) -> np.ndarray:
        """The favorable decision implied by an output (threshold 0, or 0.5 for probability)."""
        return output >= 0.5 if self.output_space == "probability" else output > 0

    def explain_rows(
        self, table: pd.DataFrame, *, favorable: str, background: pd.DataFrame, seed: int
    ) -> Any:
        """SHAP values of ``table`` in ``output_space``, as a ``shap.Explanation``."""
        shap = import_shap()
        columns = list(table.columns)
        if self.explainer == "tree":
            sv = shap.TreeExplainer(self.model)(self._sklearn_input(table))
            values, base = np.asarray(sv.values), np.asarray(sv.base_values, dtype=np.float64)
            if values.ndim == 3:  # one output per class (forests)
                k = self.favorable_index(favorable)
                values, base = values[:, :, k], base[:, k]
            elif self.task == "classification":
                sign = 1.0 if self.favorable_index(favorable) == 1 else -1.0
                values, base = values * sign, base * sign
        elif self.explainer == "linear":
            explainer = shap.LinearExplainer(self.model, self._sklearn_input(background))
            sv = explainer(self._sklearn_input(table))
            values = np.asarray(sv.values, dtype=np.float64)
            base = np.broadcast_to(np.asarray(sv.base_values, dtype=np.float64), len(table))
            if self.task == "classification" and self.favorable_index(favorable) == 0:
                values, base = -values, -base
        else:
            codec = _Codec.fit(pd.concat([background, table], ignore_index=True))
            masker = shap.maskers.Independent(codec.encode(background), max_samples=len(background))
            explainer = shap.PermutationExplainer(
                lambda z: self._function(table, favorable)(codec.decode(z)), masker, seed=seed
            )
            evals = 3 * (2 * len(columns) + 1)
            sv = explainer(codec.encode(table), max_evals=evals, silent=True)
            values, base = np.asarray(sv.values), np.asarray(sv.base_values)
        return shap.Explanation(
            values=np.asarray(values, dtype=np.float64),
            base_values=np.array(base, dtype=np.float64),
            data=table.to_numpy(),
            feature_names=columns,
        )

    # -- running the model -------------------------------------------------------------

    def _sklearn_input(self, table: pd.DataFrame) -> pd.DataFrame | np.ndarray:
        numeric = pd.DataFrame(index=table.index)
        for column in table.columns:
            series = table[column]
            if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
                # a column read as written (a sensitive attribute) may hold numbers as text
                numbers = pd.to_numeric(series, errors="coerce")
                if int(numbers.notna().sum()) != int(series.notna().sum()):
                    raise AuditInputError(NOT_NUMERIC.format(column=clip(column),
                                                             name=self.name))
                series = numbers
            numeric[column] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if hasattr(self.model, "feature_names_in_"):
            return numeric
        return numeric.to_numpy()

    def _function(self, table: pd.DataFrame, favorable: str) -> Callable[[pd.DataFrame], Any]:
        """A function from a frame with ``table``'s columns to the explained output."""
        if self.format == "onnx":
            return lambda frame: self._onnx_output(frame, favorable)
        model = self.model
        named = hasattr(model, "feature_names_in_")
        prepare: Callable[[pd.DataFrame], Any] = (
            self._sklearn_input
            if self.explainer in ("tree", "linear")
            else (lambda frame: frame if named else frame.to_numpy())
        )
        if self.task == "regression":
            return lambda frame: np.asarray(model.predict(prepare(frame)), dtype=np.float64)
        k = self.favorable_index(favorable)
        if self.output_space == "probability":
            return lambda frame: model.predict_proba(prepare(frame))[:, k].astype(np.float64)
        if self.output_space == "log-odds" and not _uses_decision_function(model):
            return lambda frame: _logit(model.predict_proba(prepare(frame))[:, k])
        sign = 1.0 if k == 1 else -1.0
        return lambda frame: sign * np.asarray(model.decision_function(prepare(frame)), float)

    def _onnx_output(self, frame: pd.DataFrame, favorable: str) -> np.ndarray:
        session = self.model
        inputs = session.get_inputs()
        feed: dict[str, np.ndarray] = {}
        if len(inputs) == 1:
            feed[inputs[0].name] = frame.to_numpy(dtype=_onnx_dtype(inputs[0].type))
        else:
            for spec in inputs:
                feed[spec.name] = frame[[spec.name]].to_numpy(dtype=_onnx_dtype(spec.type))
        outputs = session.get_outputs()
        if self.task == "regression":
            (result,) = session.run([outputs[0].name], feed)
            return np.asarray(result, dtype=np.float64).reshape(len(frame))
        (proba,) = session.run([outputs[1].name], feed)
        k = self.favorable_index(favorable)
        if isinstance(proba, list):  # ZipMap: one {class: probability} per row
            wanted = _text(self.classes[k])
            keys = [key for key in (proba[0] if proba else {}) if _text(key) == wanted]
            column = np.array([row[keys[0]] for row in proba], dtype=np.float64)
        else:
            column = np.asarray(proba, dtype=np.float64)[:, k]
        return _logit(column, eps=1e-7)


def _logit(p: np.ndarray, *, eps: float = 1e-15) -> np.ndarray:
    """Log-odds of probabilities, clipped ``eps`` away from 0 and 1.

    ONNX runtimes return float32 probabilities, which cannot resolve log-odds beyond about
    ±16; those are passed ``eps=1e-7`` so the output saturates there instead of at noise.
    """
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return np.asarray(np.log(p) - np.log1p(-p))


def _onnx_dtype(kind: str) -> Any:
    return {
        "tensor(float)": np.float32,
        "tensor(double)": np.float64,
        "tensor(int64)": np.int64,
        "tensor(int32)": np.int32,
        "tensor(string)": object,
    }.get(kind, np.float32)


def _uses_decision_function(model: Any) -> bool:
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    final = model.steps[-1][1] if hasattr(model, "steps") else model
    kinds = (GradientBoostingClassifier, HistGradientBoostingClassifier, LogisticRegression)
    return isinstance(final, kinds)


@dataclass(frozen=True)
class _Codec:
    """Numbers for the permutation masker: text columns become codes, decoded for the model."""

    columns: tuple[str, ...]
    vocabularies: tuple[np.ndarray | None, ...]
    dtypes: tuple[Any, ...]

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> _Codec:
        vocabularies: list[np.ndarray | None] = []
        for column in frame.columns:
            series = frame[column]
            numeric = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
            if numeric:
                vocabularies.append(None)
            else:
                vocabularies.append(np.asarray(pd.unique(series.astype(object)), dtype=object))
        return cls(tuple(frame.columns), tuple(vocabularies), tuple(frame.dtypes))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        matrix = np.empty((len(frame), len(self.columns)), dtype=np.float64)
        for j, (column, vocab) in enumerate(zip(self.columns, self.vocabularies, strict=True)):
            series = frame[column]
            if vocab is None:
                matrix[:, j] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                matrix[:, j] = pd.Index(vocab).get_indexer(series.astype(object))
        return matrix

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for j, (column, vocab, dtype) in enumerate(
            zip(self.columns, self.vocabularies, self.dtypes, strict=True)
        ):
            if vocab is None:
                data[column] = pd.Series(matrix[:, j]).astype(dtype)
            else:
                data[column] = pd.Series(vocab[matrix[:, j].astype(np.int64)], dtype=dtype)
        return pd.DataFrame(data)


def load_model(
    data: bytes,
    *,
    name: str,
    trusted: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
) -> LoadedModel:
    """Read an uploaded model file, refusing anything that could run code when opened.

    The file is opened only in a child process within the model budget (`Limits`:
    ``AUDIT_MODEL_MEMORY_MB``, ``AUDIT_MODEL_SECONDS``); the returned `LoadedModel` holds
    the file and what the child found in it, and runs the model in a child on each use.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    name : str
        The file name, used to tell the format and in messages.
    trusted : sequence of str, optional
        Type names trusted for this file in addition to :data:`TRUSTED_TYPES`.
    feature_names : sequence of str, optional
        The model's input columns in order, when the file does not record them (an ONNX
        model with a single input tensor, or an estimator fitted on an array).

    Returns
    -------
    LoadedModel

    Raises
    ------
    AuditInputError
        A pickle file, an unsupported or unreadable file, untrusted types, a model that
        is not a binary classifier or regressor, feature names that do not fit, a skops
        archive that would unpack beyond `MAX_UNPACKED_MB`, or a model over its memory or
        time budget.
    """
    data = bytes(data)
    size_mb = len(data) / 2**20
    shown = clip(name)
    if is_pickle(data, name):
        raise AuditInputError(PICKLE_REFUSED.format(name=shown))
    if size_mb > MAX_MODEL_MB:
        raise AuditInputError(TOO_LARGE.format(name=shown, size=size_mb, limit=MAX_MODEL_MB))
    kind = name.lower().rsplit(".", 1)[-1]
    if kind not in ("skops", "onnx"):
        raise AuditInputError(UNSUPPORTED_FORMAT.format(name=shown))
    if kind == "skops":
        _check_archive(data, shown)
    source = {"data": data, "name": shown, "trusted": tuple(trusted or ()),
              "feature_names": tuple(feature_names) if feature_names is not None else None}
    from audit.explain._sandbox import run_model_task

    found, _ = run_model_task("inspect", {"model": source}, name=shown)
    names = found["feature_names"]
    return LoadedModel(
        shown, found["format"], hashlib.sha256(data).hexdigest(), None, found["task"],
        tuple(found["classes"]), None if names is None else tuple(names), found["explainer"],
        found["output_space"], data=data, trusted=tuple(trusted or ()))


def _check_archive(data: bytes, name: str) -> None:
    """Refuse a skops file that is not a zip archive, or that would unpack too far; reads
    only the archive's directory, never a member."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise AuditInputError(UNREADABLE.format(name=name, format="skops")) from err
    if unpacked > MAX_UNPACKED_MB * 2**20:
        raise AuditInputError(UNPACKS_TOO_FAR.format(name=name, size=unpacked / 2**20,
                                                     limit=MAX_UNPACKED_MB))


# --- in the child process (audit.explain._sandbox) ------------------------------------


def warm_up(task: str) -> None:
    """Import what ``task`` needs before the child limits its own memory."""
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import skops.io  # noqa: F401

    if task == "attribute":
        import_shap()


def child_task(task: str, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run one task on the model in ``request`` (in the child): ``inspect`` (what the file
    holds), ``output`` or ``attribute`` (SHAP values, output and probability of a table)."""
    source = request["model"]
    names = source["feature_names"]
    data = source["data"]
    model = _open(data, name=source["name"], trusted=source["trusted"],
                  names=None if names is None else tuple(names),
                  digest=hashlib.sha256(data).hexdigest())
    if task == "inspect":
        return {"format": model.format, "task": model.task, "classes": list(model.classes),
                "feature_names": None if model.feature_names is None
                else list(model.feature_names),
                "explainer": model.explainer, "output_space": model.output_space}, {}
    table, favorable = request["table"], request["favorable"]
    if task == "output":
        return {}, {"output": model.output(table, favorable=favorable)}
    explanation, output, probability = model.attribute(
        table, favorable=favorable, background=request["background"], seed=request["seed"])
    arrays = {"values": np.asarray(explanation.values, dtype=np.float64),
              "base_values": np.asarray(explanation.base_values, dtype=np.float64),
              "output": output}
    if probability is not None:
        arrays["probability"] = probability
    return {}, arrays


def _open(data: bytes, *, name: str, trusted: Sequence[str], names: tuple[str, ...] | None,
          digest: str) -> LoadedModel:
    """The model itself, read in this process: only ever called in the child."""
    if name.lower().endswith(".skops"):
        return _load_skops(data, name=name, trusted=trusted, names=names, digest=digest)
    return _load_onnx(data, name=name, names=names, digest=digest)


def _load_skops(
    data: bytes,
    *,
    name: str,
    trusted: Sequence[str] | None,
    names: tuple[str, ...] | None,
    digest: str,
) -> LoadedModel:
    import skops.io as sio
    from sklearn.base import is_regressor

    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as err:  # any failure to parse the upload is the upload's fault
        raise AuditInputError(UNREADABLE.format(name=name, format="skops")) from err
    allowed = set(TRUSTED_TYPES) | set(trusted or ())
    refused = sorted(t for t in untrusted if t not in allowed)
    if refused:
        raise AuditInputError(
            SKOPS_UNTRUSTED.format(
                name=name, types=", ".join(refused), trusted=", ".join(TRUSTED_TYPES)
            )
        )
    try:
        model = sio.loads(data, trusted=list(untrusted))
    except Exception as err:
        raise AuditInputError(UNREADABLE.format(name=name, format="skops")) from err
    if not hasattr(model, "predict"):
        raise AuditInputError(NOT_A_MODEL.format(name=name, kind=type(model).__name__))
    recorded = getattr(model, "feature_names_in_", None)
    if names is None and recorded is not None:
        names = tuple(str(c) for c in recorded)
    expected = getattr(model, "n_features_in_", None)
    if names is not None and expected is not None and len(names) != expected:
        raise AuditInputError(FEATURE_COUNT.format(name=name, expected=expected, given=len(names)))
    classes: tuple[str, ...] = ()
    task: Literal["classification", "regression"] = "regression"
    if not is_regressor(model) and hasattr(model, "classes_"):
        classes = tuple(str(c) for c in model.classes_)
        task = "classification"
        if len(classes) != 2:
            raise AuditInputError(
                NOT_BINARY.format(name=name, count=len(classes), classes=listed(classes))
            )
    explainer, space = _sklearn_explainer(model, task)
    return LoadedModel(name, "skops", digest, model, task, classes, names, explainer, space)


def _sklearn_explainer(
    model: Any, task: str
) -> tuple[Literal["tree", "linear", "permutation"], OutputSpace]:
    from sklearn import ensemble, linear_model, tree

    boosted = (
        ensemble.HistGradientBoostingClassifier,
        ensemble.HistGradientBoostingRegressor,
        ensemble.GradientBoostingClassifier,
        ensemble.GradientBoostingRegressor,
    )
    forests = (
        ensemble.RandomForestClassifier,
        ensemble.RandomForestRegressor,
        ensemble.ExtraTreesClassifier,
        ensemble.ExtraTreesRegressor,
        tree.DecisionTreeClassifier,
        tree.DecisionTreeRegressor,
    )
    linear = (
        linear_model.LogisticRegression,
        linear_model.LinearRegression,
        linear_model.Ridge,
        linear_model.Lasso,
        linear_model.ElasticNet,
    )
    # SHAP's tree reader ignores HGB's categorical bitsets: such models go to permutation.
    flags = getattr(model, "is_categorical_", None)
    categorical = flags is not None and bool(np.any(flags))
    if task == "regression":
        space: OutputSpace = "score"
    elif isinstance(model, forests):
        space = "probability"
    elif hasattr(model, "predict_proba") or _uses_decision_function(model):
        space = "log-odds"
    else:
        space = "margin"
    if isinstance(model, boosted + forests) and not categorical:
        return "tree", space
    if isinstance(model, linear):
        return "linear", space
    return "permutation", space


def _load_onnx(
    data: bytes, *, name: str, names: tuple[str, ...] | None, digest: str
) -> LoadedModel:
    import onnx
    import onnxruntime

    try:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(data, options,
                                               providers=["CPUExecutionProvider"])
        graph = onnx.load_from_string(data).graph
    except Exception as err:  # any failure to parse the upload is the upload's fault
        raise AuditInputError(UNREADABLE.format(name=name, format="ONNX")) from err
    inputs = session.get_inputs()
    if len(inputs) > 1:
        names = tuple(spec.name for spec in inputs)
    else:
        width = inputs[0].shape[1] if len(inputs[0].shape) == 2 else None
        if names is not None and isinstance(width, int) and len(names) != width:
            raise AuditInputError(FEATURE_COUNT.format(name=name, expected=width, given=len(names)))
    classes: tuple[str, ...] = ()
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.name in ("classlabels_strings", "classlabels_ints", "classlabels_int64s"):
                labels = onnx.helper.get_attribute_value(attribute)
                classes = tuple(v.decode() if isinstance(v, bytes) else str(v) for v in labels)
    if len(session.get_outputs()) < 2:
        return LoadedModel(
            name, "onnx", digest, session, "regression", (), names, "permutation", "score"
        )
    if len(classes) != 2:
        raise AuditInputError(
            NOT_BINARY.format(name=name, count=len(classes), classes=listed(classes))
        )
    return LoadedModel(
        name, "onnx", digest, session, "classification", classes, names, "permutation", "log-odds"
    )
