"""Every sentence the what-if analysis says: messages, option names, notes and progress steps.

One owner for these words: the CLI, the dashboard page and the PDF read them from here
(``from audit.whatif import words``), and the tests compare against these constants
exactly. Templates are filled with ``str.format``; their fields are named in braces.
"""

from __future__ import annotations

from audit import outcome_verb

# --- mistakes in the input (raised as AuditInputError) ----------------------------------

NO_SCORE = (
    "The what-if analysis needs a score column (the model's score or probability for each "
    "person, higher meaning more likely {favorable!r}), and none was mapped. Without scores "
    "there is nothing to move a cut-off along. Fix: map the score column (command line: "
    "--score COLUMN; dashboard: choose it as the score on the Upload page)."
)
SCORE_NOT_FINITE = (
    "The score column {column!r} holds {count:,} value(s) that are not finite numbers "
    "(infinity), first at data row(s) {rows}. A cut-off cannot be placed among them. Fix: "
    "replace them with finite scores, or remove those rows before uploading."
)
UNKNOWN_STRATEGY = (
    "Unknown what-if strategy {value!r}. Expected one of: {allowed}. Fix: choose strategies "
    "from that list (command line: --strategy NAME, repeated for several)."
)
NO_STRATEGY = (
    "No what-if strategy was chosen. Expected at least one of: {allowed}. Fix: choose one or "
    "more, or leave the choice out to compute them all."
)
UNKNOWN_ATTRIBUTE = (
    "The attribute {attribute!r} is not one of the audited sensitive attributes ({attributes}). "
    "Fix: choose one of those (command line: --attribute COLUMN)."
)
BAD_TOLERANCE = (
    "The tolerance {value!r} is not a number from 0 to 1. It is the largest acceptable gap "
    "between groups' rates, as a share. Fix: give a value such as 0.02 (two percentage points)."
)
BAD_COST_RATIO = (
    "The cost ratio {value!r} is not a positive number. It says how many false negatives one "
    "false positive costs. Fix: give a value such as 1 (equal costs) or 5."
)
MISSING_THRESHOLDS = (
    "No cut-off was given for {groups} of {attribute!r}. Every group needs one. Fix: give a "
    "cut-off for each of {all_groups}, or one number for everyone."
)
UNKNOWN_GROUPS = (
    "Cut-offs were given for {groups}, which are not groups of {attribute!r} ({all_groups}). "
    "Fix: use the group names as they appear in the data."
)
BAD_CUT_OFF = (
    "The cut-off for {group!r} is {value!r}, which is not a finite number. Fix: give a number "
    "on the score's scale; a decision is {favorable!r} when the score is at or above it."
)
UNKNOWN_OPTION = (
    "No what-if option is called {value!r}. The options are: {options}. Fix: choose one of "
    "those ids."
)

# --- warnings ------------------------------------------------------------------------------

SCORE_REVERSED = (
    "Higher scores go with fewer {favorable!r} outcomes here (ROC AUC {auc:.2f} over everyone, "
    "below 0.5). The what-if analysis assumes a higher score means more likely {favorable!r}, "
    "so its cut-offs may read backwards. Fix: if the score is the chance of the other outcome, "
    "give 1 − score instead."
)

# --- option names (the strategies, in plain words) ----------------------------------------

STRATEGY_NAMES = {
    "single": "One cut-off for everyone",
    "max_accuracy": "Most accurate cut-off for each group",
    "demographic_parity": "Demographic parity (selection rates within {tolerance:g})",
    "equal_opportunity": "Equal opportunity (true positive rates within {tolerance:g})",
    "equalized_odds": "Equalized odds (true and false positive rates within {tolerance:g})",
}
# with a cost ratio other than 1 the single and per-group options minimise cost instead
COST_NAMES = {
    "single": "One cut-off for everyone (lowest cost)",
    "max_accuracy": "Lowest-cost cut-off for each group",
}
MANUAL_NAMES = {
    "single": "One cut-off for everyone, set by hand",
    "per_group": "Cut-offs per group, set by hand",
}
EXACT_SUFFIX = ", fixed cut-offs"
FAIRLEARN_SUFFIX = ", fairlearn ThresholdOptimizer"
FAIRLEARN_EXACT_EO_NAME = "Equalized odds (rates equal), fairlearn ThresholdOptimizer"

# --- notes carried by options ---------------------------------------------------------

LAWFULNESS_NOTE = (
    "This option uses the sensitive attribute {attribute!r} when deciding: people with the same "
    "score can get different decisions because of their group. In some settings that is "
    "unlawful disparate treatment: in US employment, adjusting scores or using different "
    "cut-offs by race, color, religion, sex or national origin is prohibited (Civil Rights Act "
    "of 1991, §106; 42 U.S.C. §2000e-2(l)). Take legal advice before using it; the single "
    "cut-off options do not use the attribute."
)
RANDOMIZATION_NOTE = (
    "This option is randomised: for some people the decision is drawn by chance rather than "
    "set by their score. Two applicants with identical scores in the same group can get "
    "different decisions by chance, and the same person could get a different decision if "
    "decided again. The probabilities per group are below; the fixed cut-off options avoid "
    "this."
)
RANDOMIZED_BANDS = (
    "{group}: a score below {low:.6g} {gets} with probability {below:.1%}, a score "
    "from {low:.6g} up to {high:.6g} with probability {between:.1%}, and a score of {high:.6g} "
    "or more with probability {above:.1%}."
)
RANDOMIZED_ONE_CUT = (
    "{group}: a score below {low:.6g} {gets} with probability {below:.1%}, and a "
    "score of {low:.6g} or more with probability {above:.1%}."
)
RANDOMIZED_CRITERIA = (
    "The criterion outcomes of this option come from the engine's audit of one draw of its "
    "randomised decisions (seed {seed}); its accuracy, cost and group rates are the expected "
    "values over all draws."
)
UNCONSTRAINED_GROUPS = (
    "Not held to the constraint, because the audit does not judge them (unknown category, or "
    "fewer than {minimum} rows): {groups}. Each gets its own most accurate cut-off."
)
UNDEFINED_RATE = (
    "{groups} {verb} nobody whose label is {outcome}, so {rate} is undefined there and is "
    "not held to the constraint."
)
TOO_FEW_GROUPS = (
    "Fewer than two groups of {attribute!r} are large enough to judge, so {rule} constrains "
    "nothing here: this option is the same as the most accurate cut-off for each group."
)
SAME_DECISION_FOR_ALL = (
    "To keep {rule} within {tolerance:g} with fixed cut-offs, this option gives every person in "
    "{groups} the same decision. Fixed cut-offs cannot do better on this data; the randomised "
    "options can."
)
THINNED_SEARCH = (
    "With {groups} groups held to equalized odds and up to {candidates:,} possible cut-offs "
    "in a group, the exact search tried {kept:,} cut-offs per group, evenly spaced by rank; "
    "a finer search could do slightly better."
)
COST_OBJECTIVE = (
    "Cut-offs minimise the expected cost, counting a false positive as {ratio:g} false "
    "negatives."
)
FAIRLEARN_ACCURACY_ONLY = (
    "fairlearn's ThresholdOptimizer maximises accuracy and cannot weigh a cost ratio, so this "
    "option ignores the cost ratio of {ratio:g}."
)
FAIRLEARN_EO_EXACT = (
    "fairlearn's equalized-odds search takes no tolerance: it makes true and false positive "
    "rates equal across groups, in expectation over the random draws."
)
FAIRLEARN_DEGENERATE = (
    "fairlearn's ThresholdOptimizer needs people with both outcomes in every group, but {groups} "
    "of {attribute!r} {verb} only one outcome in the labels; its randomised options were not "
    "computed. The fixed cut-off options cover every group."
)
AFTER_AUDIT = (
    "Each option's decisions were audited again by the same engine (every rate, interval and "
    "criterion). Score metrics (ROC AUC, Brier score, calibration) do not depend on the "
    "cut-offs; read them from the audit of the uploaded decisions."
)
INTERVALS = (
    "Intervals on accuracy, cost and disparities are {confidence:.0%} bootstrap intervals "
    "({samples:,} multinomial resamples of the groups' confusion counts, seed {seed}) with the "
    "cut-offs held fixed."
)

UPLOADED_CUT_OFF = (
    "The uploaded decisions agree with \"score ≥ {cut_off}\" for {agreement:.1%} of people."
)


def person_decided(favorable: str, meaning: str = "") -> str:
    """What a person whose score reaches the cut-off gets, after "a person": ``is approved``
    (with the outcome's meaning), else ``gets the favorable outcome ('1')``."""
    return (outcome_verb(favorable, meaning, plural=False) if meaning
            else f"gets the favorable outcome ({favorable!r})")


def everyone_slider(favorable: str, meaning: str = "") -> str:
    """The label of the one cut-off for everyone: ``One cut-off for everyone: people scoring
    at or above it are approved``, else ``... a score at or above it gets '1'``."""
    if meaning:
        return ("One cut-off for everyone: people scoring at or above it "
                f"{outcome_verb(favorable, meaning)}")
    return f"One cut-off for everyone: a score at or above it gets {favorable!r}"


def cut_offs_rule(cut_offs: str, meaning: str = "") -> str:
    """How fixed cut-offs decide: ``Approved when the score is at least: everyone ≥ 0.5.``,
    else ``Favorable when ...``. ``cut_offs`` is the cut-offs as text."""
    who = meaning or "favorable"
    return f"{who[:1].upper()}{who[1:]} when the score is at least: {cut_offs}."


def format_cut_off(value: float | None) -> str:
    """A cut-off as text, exactly: the shortest decimal that reads back as the same float
    (``0.4812``; a group's "nobody" cut-off, just above its highest score, shows all its
    digits). An em dash when undefined."""
    if value is None or value != value:
        return "—"
    return repr(float(value)).replace("-", "−")


# the disparity each constrained strategy targets, by the engine's criterion names
RULE_WORDS = {
    "demographic_parity": "demographic parity (selection rates)",
    "equal_opportunity": "equal opportunity (true positive rates)",
    "equalized_odds": "equalized odds (true and false positive rates)",
}

# --- progress (what a person waits for, step by step) -------------------------------------

PROGRESS_SEARCH = "Searching cut-offs for {attribute!r}"
PROGRESS_FAIRLEARN = "fairlearn ThresholdOptimizer: {strategy}"
PROGRESS_BEFORE = "Auditing the uploaded decisions"
PROGRESS_AUDIT = "Auditing again: {name}"
PROGRESS_DONE = "Done"
