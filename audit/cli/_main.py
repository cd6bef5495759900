"""Command line: ``python -m audit run ...`` (contract).

Exit status: 0 when every criterion passes, 1 when one fails or cannot be judged (too few
groups large enough: no verdict is not a pass), 2 on bad input (a one-paragraph message on
stderr naming the file, column and fix; never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from audit._errors import AuditInputError, HistoryError
from audit._words import status_label, verdict_label
from audit.cli._history import add_history_parser, add_save_arguments, run_history, save_record
from audit.cli._verify import add_verify_parser, run_verify
from audit.cli._whatif import add_whatif_parser, run_whatif_command
from audit.engine import AuditRun, audit_inputs, crosscheck
from audit.explain import Explanations, explain, load_model
from audit.inputs import (
    DEFAULT_CRITERIA,
    AuditSpec,
    Criterion,
    Limits,
    leave_out_identifiers,
    read_path,
)
from audit.record import (
    adverse_impact_csv,
    build_record,
    canonical_bytes,
    metrics_csv,
    render_pdf,
    suppress_small_cells,
)

EXIT_PASS, EXIT_FAIL, EXIT_INPUT = 0, 1, 2
BAD_REFERENCE = (
    "--reference {value!r} is not of the form COLUMN=GROUP. Fix: write it like "
    "--reference sex=male."
)
BAD_SUPPRESSION = (
    "--suppress-below {k} is negative. Fix: give the smallest group size to show, such as "
    "--suppress-below 10, or 0 to show every group."
)
NO_MODEL = (
    "Cannot read the model file {path!r}: {reason}. Fix: give the path of a .skops or .onnx "
    "file you can read."
)
BAD_OUT = "Cannot write the results to {out!r}: {reason}. Fix: give a folder you can write to."


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as exit 2 with one plain message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m audit", description="Fairness audit of a model's decisions.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="audit a dataset and the model's predictions")
    run.add_argument("--data", required=True, help="dataset CSV (features, label, groups)")
    run.add_argument("--predictions", help="predictions CSV, joined to the dataset")
    run.add_argument("--id-column", help="column that joins the two files")
    run.add_argument("--label", required=True, help="true outcome column")
    run.add_argument("--prediction", required=True, help="model decision column")
    run.add_argument("--score", help="model score/probability column")
    run.add_argument("--sensitive", required=True, action="append",
                     help="sensitive attribute column (repeat for several)")
    run.add_argument("--favorable", help="the value that means the good outcome")
    run.add_argument("--reference", action="append", default=[], metavar="COLUMN=GROUP",
                     help="reference group of an attribute (default: its largest group)")
    run.add_argument("--bootstrap", type=int, default=1000, help="bootstrap samples (1000)")
    run.add_argument("--seed", type=int, default=0, help="random seed (0)")
    run.add_argument("--confidence", type=float, default=0.95, help="interval level (0.95)")
    run.add_argument("--min-group-size", type=int, default=30,
                     help="groups smaller than this are not judged (30)")
    run.add_argument("--impact-ratio", type=float, default=0.8,
                     help="lowest acceptable impact ratio (0.8)")
    run.add_argument("--max-difference", type=float, default=0.1,
                     help="largest acceptable equal-opportunity/equalized-odds gap (0.1)")
    run.add_argument("--crosscheck", action="store_true",
                     help="recompute every rate with fairlearn and aif360 and record the "
                     "largest difference (slow on large data)")
    run.add_argument("--explain", action="store_true",
                     help="add SHAP explanations and proxy detection to the record")
    run.add_argument("--model", metavar="FILE",
                     help="with --explain: the model itself (.skops or .onnx; never pickle) "
                     "instead of a surrogate")
    run.add_argument("--explain-sample", type=int, default=2000, metavar="N",
                     help="with --explain: rows explained, stratified by group (2000)")
    run.add_argument("--suppress-below", type=int, default=0, metavar="K",
                     help="hide the numbers of groups with fewer than K rows in audit.json, "
                     "audit.pdf and metrics.csv (0: off; --save keeps the full record)")
    run.add_argument("--keep-column", action="append", default=[], metavar="NAME",
                     help="keep a column that looks like a direct identifier (name, e-mail, "
                     "...); by default such columns are left out of the audit")
    run.add_argument("--out", default="audit-out", help="output folder (audit-out)")
    add_save_arguments(run)
    add_history_parser(commands)
    add_whatif_parser(commands)
    add_verify_parser(commands)
    return parser


def _references(values: Sequence[str]) -> dict[str, str]:
    references = {}
    for value in values:
        column, sep, group = value.partition("=")
        if not sep or not column.strip() or not group.strip():
            raise AuditInputError(BAD_REFERENCE.format(value=value))
        references[column.strip()] = group.strip()
    return references


def _criteria(impact_ratio: float, max_difference: float) -> tuple[Criterion, ...]:
    thresholds = {"impact_ratio": impact_ratio, "equal_opportunity_difference": max_difference,
                  "equalized_odds_difference": max_difference}
    return tuple(Criterion(c.metric, thresholds[c.metric], c.bound) for c in DEFAULT_CRITERIA)


def _explain(args: argparse.Namespace, run: AuditRun) -> Explanations:
    model = None
    if args.model:
        path = Path(args.model)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise AuditInputError(NO_MODEL.format(path=args.model,
                                                  reason=err.strerror or err)) from err
        model = load_model(data, name=path.name)
    return explain(run.data, references=run.result.references, model=model,
                   sample_size=args.explain_sample, seed=args.seed)


def _run(args: argparse.Namespace) -> int:
    spec = AuditSpec(
        label=args.label, prediction=args.prediction, score=args.score,
        sensitive=tuple(args.sensitive), favorable=args.favorable,
        reference=_references(args.reference),
        criteria=_criteria(args.impact_ratio, args.max_difference),
        min_group_size=args.min_group_size, bootstrap=args.bootstrap,
        confidence=args.confidence, seed=args.seed,
    )
    if args.suppress_below < 0:
        raise AuditInputError(BAD_SUPPRESSION.format(k=args.suppress_below))
    limits = Limits.from_env()
    dataset = read_path(args.data, max_bytes=limits.max_bytes, max_rows=limits.max_rows)
    predictions = (read_path(args.predictions, max_bytes=limits.max_bytes,
                             max_rows=limits.max_rows) if args.predictions else None)
    roles = [spec.label, spec.prediction, spec.score, *spec.sensitive, args.id_column,
             *args.keep_column]
    dataset, predictions, found = leave_out_identifiers(
        dataset, predictions, keep=[r for r in roles if r])
    run = audit_inputs(dataset=dataset, predictions=predictions, spec=spec,
                       id_column=args.id_column)
    check = crosscheck(run.data, run.result) if args.crosscheck else None
    explanations = _explain(args, run) if args.explain or args.model else None
    record = build_record(run, crosscheck=check, explanations=explanations)
    export = (suppress_small_cells(record, k=args.suppress_below) if args.suppress_below
              else record)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "audit.json").write_bytes(canonical_bytes(export))
        (out / "metrics.csv").write_text(metrics_csv(export), encoding="utf-8")
        (out / "adverse_impact.csv").write_text(adverse_impact_csv(export), encoding="utf-8")
        (out / "audit.pdf").write_bytes(render_pdf(export))
    except OSError as err:
        raise AuditInputError(BAD_OUT.format(out=str(out), reason=err.strerror or err)) from err
    if check is not None:
        largest = max(check.fairlearn_max_abs_difference, check.aif360_max_abs_difference)
        print(f"Cross-check: {check.compared} values recomputed with fairlearn and aif360; "
              f"largest difference {largest:.1e} ({'agrees' if check.agrees else 'DISAGREES'}).")
    left_out = [f for f in found if f.column not in run.data.frame.columns]
    if left_out:
        print("warning: left out of the audit as direct identifiers (keep one with "
              "--keep-column NAME): " + "; ".join(f"{f.column!r} in {f.file!r} ({f.reason})"
                                                  for f in left_out), file=sys.stderr)
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if explanations is not None:
        # each attribute alone; the intersections' sentences are in audit.json and the PDF
        sentences = [s for attribute in run.result.spec.sensitive
                     for s in explanations.summary(attribute)]
        for sentence in dict.fromkeys(sentences):
            print(f"[WHY] {sentence}")
    for finding in export["findings"]:
        print(f"[{status_label(finding['status'])}] {finding['message']}")
    if args.save:
        print(save_record(record, args.db, board=args.board))
    print(f"{verdict_label(run.result.verdict)}: {len(record['findings'])} criteria checked; "
          f"wrote {out / 'audit.json'}")
    return EXIT_PASS if run.result.passed else EXIT_FAIL


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "history":
            return run_history(args)
        if args.command == "whatif":
            return run_whatif_command(args)
        if args.command == "verify":
            return run_verify(args)
        return _run(args)
    except (AuditInputError, HistoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
