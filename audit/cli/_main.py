"""Command line: ``python -m audit run ...`` (contract).

Exit status (every command), so that a pipeline can gate a release on it:

- 0: ``run``: PASSED (no criterion failed or was inconclusive, and at least one was
  judged); ``whatif``: the files were written; ``verify``, ``history``: everything checks;
- 1: ``run``: FAILED (a criterion's interval lies wholly beyond its threshold), or NO
  VERDICT (nothing could be judged: no verdict is not a pass); ``verify`` found a
  difference;
- 2: bad input: a file, a column or an option the run cannot use, or ``--out`` already
  holding an audit without ``--force``. One message on stderr naming the file, column or
  option and the fix; never a traceback;
- 3: ``run``: INCONCLUSIVE: nothing failed, but for at least one criterion the data cannot
  tell (its interval straddles the threshold); the finding says how many more people would;
- 4: an unexpected error: a fault in the tool, not in the data. One line on stderr with
  a hint to report it; the traceback only with ``--debug`` (accepted anywhere).

``run --save`` appends the record to the history after the files are written; a history
or database error then never changes the exit status: it is printed as a warning, with
the line ``history: not saved`` on stderr (``history: saved`` when it worked).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit._errors import AuditInputError, HistoryError
from audit._words import (
    DEFAULT_UNKNOWN_VALUES,
    NOT_SIGNED,
    SEALED,
    SIGNED_BY,
    UNDER_2_PERCENT_JUSTIFICATION,
    clip,
    status_label,
    verdict_label,
)
from audit.cli._engines import (
    add_engine_arguments,
    choose_engine,
    open_source,
    refuse_row_options,
)
from audit.cli._engines import load as load_input
from audit.cli._history import add_history_parser, add_save_arguments, run_history, save_record
from audit.cli._options import (
    DEBUG_FLAG,
    add_contract_arguments,
    check_audit_options,
    guarded,
    refuse_overwrite,
    split_debug,
)
from audit.cli._verify import add_verify_parser, run_verify
from audit.cli._whatif import add_whatif_parser, run_whatif_command
from audit.engine import (
    AuditRun,
    SourceRun,
    audit_inputs,
    audit_source,
    crosscheck,
    explain_run,
)
from audit.explain import MAX_MODEL_MB, Explanations, explain, load_model
from audit.inputs import (
    DEFAULT_CRITERIA,
    MAX_INTERSECTION_CELLS,
    AuditSpec,
    Criterion,
    IdentifierColumn,
    Limits,
    find_identifiers,
    harm_warning,
    leave_out_identifiers,
    ll144_roles,
    parse_bins,
)
from audit.record import (
    adverse_impact_csv,
    build_record,
    canonical_bytes,
    load_presets,
    metrics_csv,
    preset,
    read_context,
    sha256_hex,
    suppress_small_cells,
)

EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INCONCLUSIVE = 0, 1, 2, 3
EXIT_CODES = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "no_verdict": EXIT_FAIL,
              "inconclusive": EXIT_INCONCLUSIVE}
EPILOG = ("exit status of run: 0 passed; 1 failed, or no verdict (nothing could be judged); "
          "3 inconclusive (nothing failed, but the data cannot tell for at least one "
          "criterion); 2 bad input; 4 an unexpected error (--debug shows its traceback).")
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
    parser = _Parser(prog="python -m audit", description="Fairness audit of a model's decisions.",
                     epilog=EPILOG)
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help="print the traceback of an unexpected error (exit 4); accepted "
                        "anywhere on the command line")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="audit a dataset and the model's predictions",
                              epilog=EPILOG)
    run.add_argument("--data", required=True, help="dataset (features, label, groups): a CSV "
                     "or Parquet file, a folder or glob of them, or table:NAME (Spark)")
    run.add_argument("--predictions", help="predictions, joined to the dataset (same forms)")
    run.add_argument("--id-column", help="column that joins the two files")
    run.add_argument("--label", required=True, help="true outcome column")
    run.add_argument("--prediction", required=True, help="model decision column")
    run.add_argument("--score", help="model score/probability column")
    run.add_argument("--sensitive", required=True, action="append",
                     help="sensitive attribute column (repeat for several)")
    run.add_argument("--favorable", help="the value of the label and prediction that means "
                     "the good outcome for the person; required when they hold codes (0/1, "
                     "1/2, true/false)")
    run.add_argument("--outcome-meaning", default="", metavar="WORDS",
                     help="what the favorable outcome means, completing \"people are ...\" "
                     "(approved, hired, not labelled high risk); every verdict sentence "
                     "uses it (default: outcome_meaning under [use] in --context)")
    run.add_argument("--bin", action="append", default=[], metavar="COLUMN=CUTS",
                     help="cut a numeric sensitive column into bands: cut points "
                     "(--bin age=25,40,60: under 25, 25-39, 40-59, 60 and over) or quantile "
                     "bands (--bin age=q4)")
    run.add_argument("--reference", action="append", default=[], metavar="COLUMN=GROUP",
                     help="reference group of an attribute (default: its largest group)")
    run.add_argument("--bootstrap", type=int, default=1000,
                     help="bootstrap samples for the aggregates' intervals (1000)")
    run.add_argument("--seed", type=int, default=0, help="random seed (0)")
    run.add_argument("--confidence", type=float, default=0.95, help="interval level (0.95)")
    run.add_argument("--min-denominator", "--min-group-size", type=int, default=10,
                     dest="min_denominator", metavar="N",
                     help="the fewest people a rate must rest on to be judged: everyone for "
                     "a selection rate, people with a favorable label for a true positive "
                     "rate (10); --min-group-size is its former, deprecated name")
    run.add_argument("--judgement", choices=("interval", "point"), default="interval",
                     help="interval: a criterion passes when its whole confidence interval "
                     "is within the threshold, fails when wholly beyond, else inconclusive "
                     "(default); point: the plain rule on the point value")
    run.add_argument("--unknown", action="append", default=None, metavar="WORDING",
                     help="a value of a sensitive column that means unknown (repeat; when "
                     "given, replaces the defaults: " + ", ".join(DEFAULT_UNKNOWN_VALUES[:6])
                     + ", ...)")
    run.add_argument("--sex-column", metavar="COL",
                     help="the sensitive column holding sex, for the NYC LL144 sex × "
                     "race/ethnicity table (default: guessed by name; '' for none)")
    run.add_argument("--race-column", metavar="COL",
                     help="the sensitive column holding race/ethnicity (as --sex-column)")
    run.add_argument("--under-2-percent-justification", metavar="TEXT",
                     default=UNDER_2_PERCENT_JUSTIFICATION,
                     help="why categories under 2%% of the data are left out of impact "
                     "ratios; carried by the record (NYC LL144)")
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
    run.add_argument("--explain-exclude", action="append", default=[], metavar="COL",
                     help="with --explain: leave a column out of the explanations (a weight, "
                     "an id; repeat for several); copies of the label or prediction are left "
                     "out on their own")
    run.add_argument("--explain-keep", action="append", default=[], metavar="COL",
                     help="with --explain: keep a column found to copy the label or prediction")
    run.add_argument("--suppress-below", type=int, default=0, metavar="K",
                     help="hide the numbers of groups with fewer than K rows in audit.json, "
                     "audit.pdf and metrics.csv (0: off; --save keeps the full record)")
    run.add_argument("--keep-column", action="append", default=[], metavar="NAME",
                     help="keep a column that looks like a direct identifier (name, e-mail, "
                     "...); by default such columns are left out of the audit")
    run.add_argument("--context", metavar="context.toml",
                     help="what was audited and why: the model, its use, the data, known "
                     "limitations and who prepared the audit (keys in the README); carried "
                     "by audit.json under 'context' and printed in the PDF")
    run.add_argument("--preset", action="append", default=[], metavar="ID",
                     help="add a regulatory checklist to the PDF (repeat for several): "
                     "nyc_ll144, eu_ai_act, nist_ai_rmf, or a board's own in "
                     "$AUDIT_PRESETS_DIR")
    run.add_argument("--out", default="audit-out", help="output folder (audit-out)")
    run.add_argument("--max-intersection-cells", type=int, default=MAX_INTERSECTION_CELLS,
                     metavar="N", help="beyond N groups in the intersection of every sensitive "
                     "column, audit the intersections of every two instead "
                     f"({MAX_INTERSECTION_CELLS:,})")
    add_engine_arguments(run)
    add_contract_arguments(run)
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
            with path.open("rb") as handle:  # one byte past the limit: load_model refuses it
                data = handle.read(MAX_MODEL_MB * 2**20 + 1)
        except OSError as err:
            raise AuditInputError(NO_MODEL.format(path=args.model,
                                                  reason=err.strerror or err)) from err
        model = load_model(data, name=path.name)
    return explain(run.data, references=run.result.references, model=model,
                   sample_size=args.explain_sample, seed=args.seed,
                   leave_out=args.explain_exclude, keep=args.explain_keep)


def _explain_source(args: argparse.Namespace, source: Any, run: SourceRun
                    ) -> tuple[Explanations, Sequence[IdentifierColumn]]:
    """Explanations on a sample drawn inside the engine; direct identifiers (found on the
    consistency sample) left out of it as the pandas engine leaves them out of the files."""
    spec = run.result.spec
    roles = [spec.label, spec.prediction, spec.score, *spec.sensitive, args.id_column,
             *args.keep_column]
    found = find_identifiers(run.sample.frame, file=run.inputs[0][1].name)
    drop = [f.column for f in found if f.column not in {r for r in roles if r}]
    explanations = explain_run(source, run, sample_size=args.explain_sample, seed=args.seed,
                               leave_out=args.explain_exclude, keep=args.explain_keep,
                               drop=drop)
    return explanations, [f for f in found if f.column in drop]


def _ll144_roles(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """The sex and race/ethnicity columns, given or guessed by name, written into the spec
    as the dashboard writes the ones its user confirmed ("" for none); and a note to show
    after the audit when one was guessed."""
    sex, race = ll144_roles(sensitive=args.sensitive, sex_column=args.sex_column,
                            race_column=args.race_column)
    note = None
    if (args.sex_column is None and sex) or (args.race_column is None and race):
        note = (f"NYC LL144 sex × race/ethnicity roles: sex = {sex!r}, race/ethnicity = "
                f"{race!r} (guessed by name; change with --sex-column / --race-column, '' "
                "for none)")
    return sex or "", race or "", note


def _run(args: argparse.Namespace) -> int:
    # on use: the PDF and its seal load reportlab and pyHanko, which no other command needs
    from audit.record import sealed_pdf, signing_from_env

    sex_column, race_column, roles_note = _ll144_roles(args)
    problems = check_audit_options(args)
    if problems:
        raise AuditInputError(" ".join(problems))
    kept = refuse_overwrite(args.out, force=args.force)
    if kept:
        raise AuditInputError(kept)
    # what the record says and how it is signed, checked before the data is read
    context = read_context(args.context) if args.context else None
    known = load_presets() if args.preset else {}
    presets = list(dict.fromkeys(preset(name, known).id for name in args.preset))
    signing = signing_from_env()
    spec = AuditSpec(
        label=args.label, prediction=args.prediction, score=args.score,
        sensitive=tuple(args.sensitive), favorable=args.favorable,
        # one meaning: --outcome-meaning, else the context file's [use] outcome_meaning
        outcome_meaning=(args.outcome_meaning.strip()
                         or (context.use.outcome_meaning if context else "")),
        bins=parse_bins(args.bin),
        reference=_references(args.reference),
        criteria=_criteria(args.impact_ratio, args.max_difference),
        min_denominator=args.min_denominator, bootstrap=args.bootstrap,
        confidence=args.confidence, seed=args.seed, judgement=args.judgement,
        unknown_values=(tuple(args.unknown) if args.unknown is not None
                        else DEFAULT_UNKNOWN_VALUES),
        sex_column=sex_column, race_column=race_column,
        under_2_percent_justification=args.under_2_percent_justification,
        max_intersection_cells=args.max_intersection_cells,
    )
    if args.suppress_below < 0:
        raise AuditInputError(BAD_SUPPRESSION.format(k=args.suppress_below))
    engine = choose_engine(args.engine, [args.data, args.predictions])
    refuse_row_options(args, engine)
    found: Sequence[IdentifierColumn] = ()
    run: AuditRun | SourceRun
    if engine == "pandas":
        limits = Limits.from_env()
        dataset = load_input(args.data, limits)
        predictions = load_input(args.predictions, limits) if args.predictions else None
        roles = [spec.label, spec.prediction, spec.score, *spec.sensitive, args.id_column,
                 *args.keep_column]
        dataset, predictions, found = leave_out_identifiers(
            dataset, predictions, keep=[r for r in roles if r])
        in_memory = audit_inputs(dataset=dataset, predictions=predictions, spec=spec,
                                 id_column=args.id_column)
        check = crosscheck(in_memory.data, in_memory.result) if args.crosscheck else None
        explanations = _explain(args, in_memory) if args.explain or args.model else None
        record = build_record(in_memory, crosscheck=check, explanations=explanations,
                              context=context, presets=presets, engine="pandas")
        used = set(map(str, in_memory.data.frame.columns))
        run = in_memory
    else:
        source = open_source(engine, args)
        run = audit_source(source, spec)
        check, explanations = None, None
        if args.explain:
            explanations, found = _explain_source(args, source, run)
            used = set(run.sample.frame.columns) - {f.column for f in found}
        else:
            used = set()
        record = build_record(run, explanations=explanations, context=context, presets=presets)
    export = (suppress_small_cells(record, k=args.suppress_below) if args.suppress_below
              else record)
    data = canonical_bytes(export)  # audit.json, byte for byte: its sha256 is the fingerprint
    pdf = sealed_pdf(export, signer=signing, record_bytes=data)  # embedded; signed with a key
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "audit.json").write_bytes(data)
        (out / "metrics.csv").write_text(metrics_csv(export), encoding="utf-8")
        (out / "adverse_impact.csv").write_text(adverse_impact_csv(export), encoding="utf-8")
        (out / "audit.pdf").write_bytes(pdf)
    except OSError as err:
        raise AuditInputError(BAD_OUT.format(out=str(out), reason=err.strerror or err)) from err
    if check is not None:
        largest = max(check.fairlearn_max_abs_difference, check.aif360_max_abs_difference)
        print(f"Cross-check: {check.compared} values recomputed with fairlearn and aif360; "
              f"largest difference {largest:.1e} ({'agrees' if check.agrees else 'DISAGREES'}).")
    left_out = [f for f in found if f.column not in used]
    if left_out:
        print("warning: left out of the audit as direct identifiers (keep one with "
              "--keep-column NAME): " + "; ".join(
                  f"{clip(f.column)!r} in {clip(f.file)!r} ({f.reason})" for f in left_out),
              file=sys.stderr)
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if roles_note:
        print(f"note: {roles_note}", file=sys.stderr)
    harm = harm_warning(label=spec.label, prediction=spec.prediction,
                        favorable=run.result.favorable)
    if harm:
        print(f"warning: {harm}", file=sys.stderr)
    if explanations is not None:
        # each attribute alone; the intersections' sentences are in audit.json and the PDF
        sentences = [s for attribute in run.result.spec.sensitive
                     for s in explanations.summary(attribute)]
        for sentence in dict.fromkeys([*explanations.notes(), *sentences]):
            print(f"[WHY] {sentence}")
    for finding in export["findings"]:
        print(f"[{status_label(finding['status'])}] {finding['message']}")
    if args.save:  # the files are written: the history can no longer change the exit status
        try:
            print(save_record(record, args.db, board=args.board))
            print("history: saved", file=sys.stderr)
        except HistoryError as err:
            print(f"warning: the audit's files were written, but it was not saved to the "
                  f"history: {err}", file=sys.stderr)
            print("history: not saved", file=sys.stderr)
    print(SEALED.format(pdf=out / "audit.pdf", json=out / "audit.json",
                        sha=sha256_hex(data),
                        signed=(SIGNED_BY.format(name=signing.signer) if signing is not None
                                else NOT_SIGNED)))
    print(f"{verdict_label(run.result.verdict)}: {len(record['findings'])} criteria checked; "
          f"wrote {out / 'audit.json'}")
    return EXIT_CODES[run.result.verdict]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m audit`` with ``argv`` (default: the process's); the exit status."""
    arguments, debug = split_debug(sys.argv[1:] if argv is None else argv)
    return guarded(lambda: _dispatch(arguments), debug=debug)


def _dispatch(argv: Sequence[str]) -> int:
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
