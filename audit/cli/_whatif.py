"""``python -m audit whatif ...``: the what-if options of a scored upload, as whatif.json.

Reads and validates the files as ``python -m audit run`` does (`audit.read_path`,
`audit.join_inputs`, `audit.prepare`), computes `audit.whatif.whatif` and writes
``DIR/whatif.json`` (sorted keys, UTF-8). Exit status: 0 when written, 2 on bad input
(``error: <message>`` on stderr, never a traceback), among them an option out of range or
a ``whatif.json`` already in ``--out`` without ``--force``; 4 on an unexpected error. The
command's parser is added to the main parser with `add_whatif_parser`;
`run_whatif_command` runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from audit import (
    DEFAULT_CRITERIA,
    AuditInput,
    AuditInputError,
    AuditSpec,
    Criterion,
    Limits,
    join_inputs,
    prepare,
    read_path,
)
from audit.cli._options import add_contract_arguments, check_audit_options, refuse_overwrite
from audit.whatif import STRATEGIES, TARGETS, whatif, words

EXIT_OK, EXIT_INPUT = 0, 2
BAD_OUT = "Cannot write the results to {out!r}: {reason}. Fix: give a folder you can write to."
WROTE = "Wrote {path} ({count} options for {attribute!r})."
OPTION_LINE = "{id}: accuracy {accuracy:.3f}; {disparity} {value}"
BAR_WIDTH = 30


def add_whatif_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``whatif`` command to ``subparsers`` (from ``add_subparsers``) and return it."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "whatif", help="cut-off options from the model's scores (writes whatif.json)",
        description="Per-group and single cut-offs from the score column, each audited "
        "again: single, max_accuracy, demographic_parity, equal_opportunity, equalized_odds.")
    parser.add_argument("--data", required=True, help="dataset CSV (features, label, groups)")
    parser.add_argument("--predictions", help="predictions CSV, joined to the dataset")
    parser.add_argument("--id-column", help="column that joins the two files")
    parser.add_argument("--label", required=True, help="true outcome column")
    parser.add_argument("--prediction", required=True,
                        help="the model's current decision column (the 'before')")
    parser.add_argument("--score", required=True,
                        help="model score column (higher means more likely favorable)")
    parser.add_argument("--sensitive", required=True, action="append",
                        help="sensitive attribute column (repeat for several)")
    parser.add_argument("--favorable", help="the value that means the good outcome")
    parser.add_argument("--attribute",
                        help="whose groups get cut-offs (default: the first --sensitive)")
    parser.add_argument("--strategy", action="append", choices=STRATEGIES, metavar="NAME",
                        help=f"one of {', '.join(STRATEGIES)} (repeat; default: all)")
    parser.add_argument("--tolerance", type=float, default=0.02,
                        help="largest acceptable gap between groups' rates (0.02)")
    parser.add_argument("--cost-ratio", type=float, default=1.0,
                        help="a false positive costs this many false negatives (1)")
    parser.add_argument("--no-randomized", action="store_true",
                        help="leave out fairlearn's ThresholdOptimizer options (slow on "
                        "large data)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap samples (1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="interval level (0.95)")
    parser.add_argument("--min-group-size", type=int, default=30,
                        help="groups smaller than this are not judged nor constrained (30)")
    parser.add_argument("--impact-ratio", type=float, default=0.8,
                        help="lowest acceptable impact ratio, for the criteria (0.8)")
    parser.add_argument("--max-difference", type=float, default=0.1,
                        help="largest acceptable equal-opportunity/equalized-odds gap, for "
                        "the criteria (0.1)")
    parser.add_argument("--out", required=True, help="output folder")
    add_contract_arguments(parser)
    return parser


def _sources(dataset: AuditInput, predictions: AuditInput | None) -> dict[str, str]:
    """The file each column came from, for messages that name the file."""
    sources = {c: dataset.provenance.name for c in dataset.provenance.columns}
    if predictions is not None:
        for column in predictions.provenance.columns:
            sources.setdefault(column, predictions.provenance.name)
    return sources


def _progress(fraction: float, step: str) -> None:
    """A one-line progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    filled = int(round(fraction * BAR_WIDTH))
    end = "\n" if fraction >= 1.0 else ""
    sys.stderr.write(f"\r[{'#' * filled}{' ' * (BAR_WIDTH - filled)}] {step[:60]:<60}{end}")
    sys.stderr.flush()


def _format(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def run_whatif_command(args: argparse.Namespace) -> int:
    """Run ``whatif`` from parsed arguments; 0 when whatif.json is written, 2 on bad input."""
    try:
        return _run(args)
    except AuditInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT


def _run(args: argparse.Namespace) -> int:
    problems = check_audit_options(args)
    kept = refuse_overwrite(args.out, force=args.force, names=("whatif.json",))
    if problems or kept:
        raise AuditInputError(" ".join([*problems, *([kept] if kept else [])]))
    limits_of = {"impact_ratio": args.impact_ratio,
                 "equal_opportunity_difference": args.max_difference,
                 "equalized_odds_difference": args.max_difference}
    criteria = tuple(Criterion(c.metric, limits_of.get(c.metric, c.threshold), c.bound)
                     for c in DEFAULT_CRITERIA)
    spec = AuditSpec(label=args.label, prediction=args.prediction, score=args.score,
                     sensitive=tuple(args.sensitive), favorable=args.favorable,
                     criteria=criteria, min_denominator=args.min_group_size,
                     bootstrap=args.bootstrap, confidence=args.confidence, seed=args.seed)
    limits = Limits.from_env()
    dataset = read_path(args.data, max_bytes=limits.max_bytes, max_rows=limits.max_rows)
    predictions = (read_path(args.predictions, max_bytes=limits.max_bytes,
                             max_rows=limits.max_rows) if args.predictions else None)
    frame, join_warnings = join_inputs(dataset=dataset, predictions=predictions,
                                       id_column=args.id_column, as_written=spec.sensitive)
    data = prepare(frame, spec, files=_sources(dataset, predictions), id_column=args.id_column)
    report = whatif(data, spec, attribute=args.attribute,
                    strategies=tuple(args.strategy or STRATEGIES), tolerance=args.tolerance,
                    cost_ratio=args.cost_ratio, randomized=not args.no_randomized,
                    progress=_progress)
    out = Path(args.out)
    path = out / "whatif.json"
    try:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(report.to_json() + "\n", encoding="utf-8")
    except OSError as err:
        raise AuditInputError(BAD_OUT.format(out=str(out), reason=err.strerror or err)) from err
    for warning in (*join_warnings, *report.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"warning: {skipped.reason}", file=sys.stderr)
    uses_attribute = False
    for option in report.to_dict()["options"]:
        disparity = TARGETS.get(option["strategy"], "equal_opportunity_difference")
        marker = " *" if option["uses_attribute"] else ""
        print(OPTION_LINE.format(id=option["id"], accuracy=option["accuracy"],
                                 disparity=disparity,
                                 value=_format(option["disparities"][disparity]["value"]))
              + marker)
        uses_attribute = uses_attribute or option["uses_attribute"]
    if uses_attribute:
        print(f"* {words.LAWFULNESS_NOTE.format(attribute=report.attribute)}")
    print(WROTE.format(path=path, count=len(report.options), attribute=report.attribute))
    return EXIT_OK
