"""What if the decisions were made differently from the same scores?

Words used here:

- *cut-off*: a person gets the favorable outcome when their score is at or above it.
  One cut-off for everyone does not use the sensitive attribute; a cut-off per group
  does (see `LAWFULNESS_NOTE`).
- *sweep*: every candidate cut-off of a group (its distinct scores, and one above them
  all) with its confusion counts, from one sort of the scores.
- *strategy*: a rule for choosing cut-offs (`STRATEGIES`): ``single``, ``max_accuracy``,
  ``demographic_parity``, ``equal_opportunity``, ``equalized_odds``.
- *option*: one strategy's decisions, found by our exact search (fixed cut-offs) or by
  fairlearn's ``ThresholdOptimizer`` (possibly *randomised*: some people decided by
  chance, see `RANDOMIZATION_NOTE`), audited again by the engine.
- *tolerance*: the largest acceptable span (max − min over the judged groups) of the
  rate a constrained strategy equalises.
- *cost ratio*: a false positive costs this many false negatives; 1 maximises accuracy.

Typical use::

    from audit import AuditSpec, prepare
    from audit.whatif import whatif

    report = whatif(prepare(frame, spec), spec, attribute="sex", tolerance=0.02)
    report.to_json()                    # whatif.json
    report.option("equal_opportunity").audit.findings   # the engine's "after"

`plan` is the fast part alone (sweep, exact searches, trade-off curves, intervals);
`apply_thresholds` audits cut-offs set by hand, and `WhatIfReport.with_option` adds them
to a report so that a board can record them; `uploaded_cut_off` finds the one cut-off that
best reproduces the uploaded decisions.
"""

from __future__ import annotations

from . import words
from ._fairlearn import SkippedOption
from ._options import (
    DISPARITIES,
    TARGETS,
    Evaluation,
    RandomizedRule,
    ThresholdChoice,
    TradeoffCurve,
    TradeoffPoint,
)
from ._report import WhatIfBefore, WhatIfOption, WhatIfReport, randomization_words
from ._strategies import (
    STRATEGIES,
    TOLERANCE_LADDER,
    Strategy,
    WhatIfPlan,
    option_name,
    plan,
)
from ._sweep import (
    GroupSweep,
    OperatingPoint,
    RocCurve,
    Sweep,
    UploadedCutOff,
    roc_curves,
    sweep,
    uploaded_cut_off,
)
from ._whatif import apply_thresholds, whatif
from .words import LAWFULNESS_NOTE, RANDOMIZATION_NOTE, format_cut_off

__all__ = [
    "DISPARITIES",
    "Evaluation",
    "GroupSweep",
    "LAWFULNESS_NOTE",
    "OperatingPoint",
    "RANDOMIZATION_NOTE",
    "RandomizedRule",
    "RocCurve",
    "STRATEGIES",
    "SkippedOption",
    "Strategy",
    "Sweep",
    "TARGETS",
    "TOLERANCE_LADDER",
    "ThresholdChoice",
    "TradeoffCurve",
    "TradeoffPoint",
    "UploadedCutOff",
    "WhatIfBefore",
    "WhatIfOption",
    "WhatIfPlan",
    "WhatIfReport",
    "apply_thresholds",
    "format_cut_off",
    "option_name",
    "plan",
    "randomization_words",
    "roc_curves",
    "sweep",
    "uploaded_cut_off",
    "whatif",
    "words",
]
