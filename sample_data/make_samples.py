"""Generate the synthetic sample datasets in this folder, with known, planted bias.

Run ``python sample_data/make_samples.py`` to (re)write the CSV files next to this script
and print the planted facts measured from them. Run it with ``--check`` to regenerate in
memory only and exit 1 if any file on disk differs (0 if all are byte-identical).

Everything is drawn from one seeded ``numpy.random.default_rng`` per dataset, so the output
is deterministic; no network, no data downloaded. See ``README.md`` for the column roles and
the planted answers.

Files written:

* ``lending_applicants.csv`` -- 6,000 loan applicants with features, sensitive attributes
  and the ground truth ``outcome`` ("approved" = would have repaid, "denied" = defaulted).
* ``lending_predictions.csv`` -- the model's ``decision`` ("approved"/"denied") per
  ``applicant_id``, rows shuffled so that only a join by id is correct.
* ``hiring.csv`` -- 4,000 candidates with a model ``score``, the ``shortlisted`` decision
  (score >= 0.5) and the ground truth ``qualified`` (0/1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

LENDING_SEED = 43
HIRING_SEED = 38

LENDING_N = 6000
HIRING_N = 4000

APPLICANTS_FILE = "lending_applicants.csv"
PREDICTIONS_FILE = "lending_predictions.csv"
HIRING_FILE = "hiring.csv"
FILES = (APPLICANTS_FILE, PREDICTIONS_FILE, HIRING_FILE)

# ----------------------------------------------------------------------------- lending

RACE_SHARES = {
    "White": 0.58,
    "Black": 0.20,
    "Hispanic": 0.13,
    "Asian": 0.065,
    "Native American": 0.015,  # deliberately under 2% (adverse-impact small-group flag)
    "Unknown": 0.01,  # race not reported
}
AGE_GROUPS = ("18-29", "30-44", "45-64", "65+")
AGE_SHARES = (0.22, 0.34, 0.30, 0.14)
AGE_RANGES = {"18-29": (18, 29), "30-44": (30, 44), "45-64": (45, 64), "65+": (65, 80)}
INCOME_AGE_FACTOR = {"18-29": 0.80, "30-44": 1.05, "45-64": 1.15, "65+": 0.85}

ZIP_REGIONS = tuple(f"Z{i:02d}" for i in range(1, 13))
MOSTLY_BLACK_REGIONS = ("Z09", "Z10", "Z11", "Z12")
# Relative weight of each of Z01..Z12 within a race. Black applicants live mostly in
# Z09-Z12, Hispanic applicants lean to Z07-Z08; the rest spread over Z01-Z08.
ZIP_WEIGHTS = {
    "White": (10, 10, 10, 10, 10, 10, 8, 8, 1, 1, 1, 1),
    "Black": (2, 2, 2, 2, 3, 3, 3, 3, 20, 20, 20, 20),
    "Hispanic": (4, 4, 4, 4, 6, 6, 25, 25, 2, 2, 2, 2),
    "Asian": (10, 10, 10, 10, 10, 10, 8, 8, 1, 1, 1, 1),  # same as White: no proxy effect
    "Native American": (8, 8, 8, 8, 10, 10, 14, 14, 4, 4, 4, 4),
    "Unknown": (8, 8, 8, 8, 8, 8, 8, 8, 6, 6, 6, 6),
}

# Ground truth: log-odds of repaying, from legitimate credit features only.
REPAY_INTERCEPT = 0.55
# Model: the same credit signal (noisy) minus the planted penalties.
MODEL_NOISE_SD = 0.6
FEMALE_PENALTY = 0.73  # planted direct effect
# planted proxy effect: strong in the mostly-Black regions, mild in Z07-Z08
ZIP_PENALTY = {"Z07": 0.45, "Z08": 0.45, "Z09": 1.15, "Z10": 1.15, "Z11": 1.15, "Z12": 1.15}
MODEL_THRESHOLD = -0.25

# ----------------------------------------------------------------------------- hiring

GENDER_SHARES = {"woman": 0.485, "man": 0.485, "nonbinary": 0.03}
AGE_BAND_SHARES = {"under 40": 0.65, "40 and over": 0.35}
ETHNICITY_SHARES = {"White": 0.55, "Black": 0.18, "Hispanic": 0.17, "Asian": 0.10}
EDUCATION_LEVELS = ("high school", "bachelor", "master", "phd")
OLDER_PENALTY = 0.78  # planted: log-odds penalty on the score for "40 and over"
SCORE_INTERCEPT = -0.35


def _exact_categories(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """Exactly round(share * n) rows per category (largest-remainder), in random order."""
    names = list(shares)
    raw = np.array([shares[k] for k in names]) * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    values = np.repeat(np.array(names, dtype=object), counts)
    return rng.permutation(values)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _credit_signal(
    income: np.ndarray, dti: np.ndarray, history: np.ndarray, employment: np.ndarray
) -> np.ndarray:
    """The legitimate credit signal shared by the ground truth and the model (log-odds)."""
    return (
        1.3 * (np.log(income) - np.log(60000.0))
        - 5.0 * (dti - 0.30)
        + 0.07 * (history - 10.0)
        + 0.05 * (employment - 6.0)
    )


def make_lending(seed: int = LENDING_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (applicants, predictions) frames for the lending example."""
    rng = np.random.default_rng(seed)
    n = LENDING_N

    applicant_id = np.array([f"A{i:06d}" for i in range(1, n + 1)], dtype=object)
    sex = _exact_categories(rng, {"female": 0.5, "male": 0.5}, n)
    race = _exact_categories(rng, RACE_SHARES, n)
    age_group = rng.choice(np.array(AGE_GROUPS, dtype=object), size=n, p=AGE_SHARES)
    lo = np.array([AGE_RANGES[a][0] for a in age_group])
    hi = np.array([AGE_RANGES[a][1] for a in age_group])
    age = rng.integers(lo, hi + 1)

    zip_region = np.empty(n, dtype=object)
    regions = np.array(ZIP_REGIONS, dtype=object)
    for r, weights in ZIP_WEIGHTS.items():
        mask = race == r
        p = np.asarray(weights, dtype=float)
        zip_region[mask] = rng.choice(regions, size=int(mask.sum()), p=p / p.sum())

    income_factor = np.array([INCOME_AGE_FACTOR[a] for a in age_group])
    income = np.round(rng.lognormal(np.log(56000.0), 0.5, size=n) * income_factor, -1)
    income = np.clip(income, 12000, 600000).astype(np.int64)
    dti = np.round(np.clip(rng.beta(2.2, 5.0, size=n), 0.01, 0.95), 3)
    history = rng.binomial(age - 18, 0.6).astype(np.int64)
    employment = np.minimum(rng.binomial(age - 18, 0.35), 45).astype(np.int64)
    loan_amount = (np.round(income * rng.uniform(0.1, 0.6, size=n) / 500.0) * 500).astype(np.int64)
    loan_amount = np.maximum(loan_amount, 1000)
    num_dependents = np.minimum(rng.poisson(1.0, size=n), 5).astype(np.int64)

    signal = _credit_signal(income, dti, history, employment)
    repaid = rng.random(n) < _sigmoid(REPAY_INTERCEPT + signal)
    outcome = np.where(repaid, "approved", "denied").astype(object)

    female = (sex == "female").astype(float)
    zip_pen = np.array([ZIP_PENALTY.get(z, 0.0) for z in zip_region])
    model_logit = (
        signal + rng.normal(0.0, MODEL_NOISE_SD, size=n) - FEMALE_PENALTY * female - zip_pen
    )
    decision = np.where(model_logit > MODEL_THRESHOLD, "approved", "denied").astype(object)

    applicants = pd.DataFrame(
        {
            "applicant_id": applicant_id,
            "sex": sex,
            "race": race,
            "age_group": age_group,
            "income": income,
            "debt_to_income": [f"{v:.3f}" for v in dti],
            "credit_history_years": history,
            "loan_amount": loan_amount,
            "employment_years": employment,
            "zip_region": zip_region,
            "num_dependents": num_dependents,
            "outcome": outcome,
        }
    )
    order = rng.permutation(n)
    predictions = pd.DataFrame({"applicant_id": applicant_id[order], "decision": decision[order]})
    return applicants, predictions


def make_hiring(seed: int = HIRING_SEED) -> pd.DataFrame:
    """Return the hiring frame (features, 0/1 ground truth, model score and decision)."""
    rng = np.random.default_rng(seed)
    n = HIRING_N

    candidate_id = np.array([f"C{i:05d}" for i in range(1, n + 1)], dtype=object)
    gender = _exact_categories(rng, GENDER_SHARES, n)
    age_band = _exact_categories(rng, AGE_BAND_SHARES, n)
    ethnicity = _exact_categories(rng, ETHNICITY_SHARES, n)
    older = age_band == "40 and over"

    # Older candidates have more experience on average (which makes them, if anything,
    # slightly more often qualified): the model's age penalty is not a proxy for skill.
    years_experience = np.where(
        older, rng.integers(8, 31, size=n), rng.integers(0, 16, size=n)
    ).astype(np.int64)
    education = rng.choice(
        np.array(EDUCATION_LEVELS, dtype=object), size=n, p=(0.25, 0.45, 0.22, 0.08)
    )
    edu_rank = np.array([EDUCATION_LEVELS.index(e) for e in education])
    skills_test = np.clip(np.round(rng.normal(62 + 3 * edu_rank, 14, size=n)), 0, 100).astype(
        np.int64
    )
    interview_rating = np.clip(
        np.round(rng.normal(3.0 + (skills_test - 65) / 40.0, 0.9, size=n)), 1, 5
    ).astype(np.int64)

    merit = (
        0.06 * (skills_test - 65)
        + 0.7 * (interview_rating - 3)
        + 0.05 * (np.minimum(years_experience, 15) - 7)
    )
    qualified = (rng.random(n) < _sigmoid(merit)).astype(np.int64)

    score_logit = (
        SCORE_INTERCEPT
        + 0.9 * merit
        + 0.15 * (edu_rank - 1)
        + rng.normal(0.0, 0.8, size=n)
        - OLDER_PENALTY * older
    )
    score = np.round(_sigmoid(score_logit), 4)
    shortlisted = (score >= 0.5).astype(np.int64)

    return pd.DataFrame(
        {
            "candidate_id": candidate_id,
            "gender": gender,
            "age_band": age_band,
            "ethnicity": ethnicity,
            "years_experience": years_experience,
            "education": education,
            "skills_test": skills_test,
            "interview_rating": interview_rating,
            "qualified": qualified,
            "score": [f"{v:.4f}" for v in score],
            "shortlisted": shortlisted,
        }
    )


def build_frames() -> dict[str, pd.DataFrame]:
    """All sample datasets, keyed by file name."""
    applicants, predictions = make_lending()
    return {
        APPLICANTS_FILE: applicants,
        PREDICTIONS_FILE: predictions,
        HIRING_FILE: make_hiring(),
    }


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The exact bytes written for a frame (UTF-8, LF line endings, no index)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def build_csv_bytes() -> dict[str, bytes]:
    """The exact bytes of every sample file, keyed by file name."""
    return {name: to_csv_bytes(frame) for name, frame in build_frames().items()}


def write_samples(directory: Path = HERE) -> dict[str, bytes]:
    contents = build_csv_bytes()
    for name, data in contents.items():
        (directory / name).write_bytes(data)
    return contents


def differing_files(directory: Path = HERE) -> list[str]:
    """Names of sample files that are missing or differ from a fresh regeneration."""
    out = []
    for name, data in build_csv_bytes().items():
        path = directory / name
        if not path.is_file() or path.read_bytes() != data:
            out.append(name)
    return out


# ----------------------------------------------------------------------------- facts


def _rates(frame: pd.DataFrame, by: str, selected: pd.Series, truth: pd.Series) -> pd.DataFrame:
    g = pd.DataFrame({"group": frame[by], "sel": selected, "truth": truth})
    rows = []
    for group, part in g.groupby("group", sort=True):
        pos = part[part["truth"]]
        rows.append(
            {
                "group": group,
                "n": len(part),
                "share": len(part) / len(g),
                "selection_rate": part["sel"].mean(),
                "base_rate": part["truth"].mean(),
                "tpr": pos["sel"].mean() if len(pos) else float("nan"),
            }
        )
    return pd.DataFrame(rows).set_index("group")


def _ratio_ci(sel_a: pd.Series, sel_b: pd.Series) -> tuple[float, float, float]:
    """Ratio of selection rates a/b with a 95% Katz log interval."""
    x1, n1, x2, n2 = sel_a.sum(), len(sel_a), sel_b.sum(), len(sel_b)
    p1, p2 = x1 / n1, x2 / n2
    se = np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    ratio = p1 / p2
    return float(ratio), float(ratio * np.exp(-1.96 * se)), float(ratio * np.exp(1.96 * se))


def planted_facts(directory: Path = HERE) -> dict[str, object]:
    """Recompute the planted facts from the CSV files with plain pandas."""
    app = pd.read_csv(directory / APPLICANTS_FILE)
    pred = pd.read_csv(directory / PREDICTIONS_FILE)
    hire = pd.read_csv(directory / HIRING_FILE)

    lend = app.merge(pred, on="applicant_id", how="inner", validate="one_to_one")
    approved = lend["decision"] == "approved"
    good = lend["outcome"] == "approved"
    sex = _rates(lend, "sex", approved, good)
    race = _rates(lend, "race", approved, good)

    zip_black = pd.crosstab(lend["zip_region"], lend["race"], normalize="index")["Black"]
    in_black_regions = lend["zip_region"].isin(MOSTLY_BLACK_REGIONS)

    shortlisted = hire["shortlisted"] == 1
    qualified = hire["qualified"] == 1
    age = _rates(hire, "age_band", shortlisted, qualified)
    gender = _rates(hire, "gender", shortlisted, qualified)
    ethnicity = _rates(hire, "ethnicity", shortlisted, qualified)

    return {
        "lending_overall_approval": approved.mean(),
        "lending_overall_outcome_approved": good.mean(),
        "lending_sex": sex,
        "lending_race": race,
        "female_male_ratio_ci": _ratio_ci(
            approved[lend["sex"] == "female"], approved[lend["sex"] == "male"]
        ),
        "black_white_ratio_ci": _ratio_ci(
            approved[lend["race"] == "Black"], approved[lend["race"] == "White"]
        ),
        "zip_black_share": zip_black,
        "black_share_in_z09_z12": (lend.loc[in_black_regions, "race"] == "Black").mean(),
        "black_living_in_z09_z12": in_black_regions[lend["race"] == "Black"].mean(),
        "predictions_same_order": bool(
            (app["applicant_id"].to_numpy() == pred["applicant_id"].to_numpy()).all()
        ),
        "hiring_overall_selection": shortlisted.mean(),
        "hiring_age": age,
        "hiring_gender": gender,
        "hiring_ethnicity": ethnicity,
        "older_younger_ratio_ci": _ratio_ci(
            shortlisted[hire["age_band"] == "40 and over"],
            shortlisted[hire["age_band"] == "under 40"],
        ),
        "tpr_gap_age": age.loc["under 40", "tpr"] - age.loc["40 and over", "tpr"],
    }


def _table(rates: pd.DataFrame, reference: str) -> str:
    top = rates["selection_rate"].max()
    lines = [
        "| group | n | share | selection rate | base rate | TPR "
        f"| ratio vs {reference} | ratio vs highest |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ref = rates.loc[reference, "selection_rate"]
    for group, r in rates.iterrows():
        lines.append(
            f"| {group} | {int(r['n'])} | {r['share']:.2%} | {r['selection_rate']:.3f} "
            f"| {r['base_rate']:.3f} | {r['tpr']:.3f} | {r['selection_rate'] / ref:.3f} "
            f"| {r['selection_rate'] / top:.3f} |"
        )
    return "\n".join(lines)


def report(facts: dict[str, object]) -> str:
    """The planted facts as Markdown (pasted into README.md)."""
    f = facts
    fm, fm_lo, fm_hi = f["female_male_ratio_ci"]
    bw, bw_lo, bw_hi = f["black_white_ratio_ci"]
    ay, ay_lo, ay_hi = f["older_younger_ratio_ci"]
    zip_share = f["zip_black_share"]
    zip_line = ", ".join(f"{z} {v:.0%}" for z, v in zip_share.items())
    parts = [
        '### Lending (approval = `decision == "approved"`, truth = `outcome == "approved"`)',
        "",
        f"Overall approval rate {f['lending_overall_approval']:.3f}; "
        f"share that should be approved (would repay) {f['lending_overall_outcome_approved']:.3f}.",
        "",
        "By sex:",
        "",
        _table(f["lending_sex"], "male"),
        "",
        f"female / male approval ratio = {fm:.3f} (95% CI {fm_lo:.3f}-{fm_hi:.3f}).",
        "",
        "By race:",
        "",
        _table(f["lending_race"], "White"),
        "",
        f"Black / White approval ratio = {bw:.3f} (95% CI {bw_lo:.3f}-{bw_hi:.3f}).",
        "",
        f"Proxy: {f['black_living_in_z09_z12']:.1%} of Black applicants live in Z09-Z12, and "
        f"{f['black_share_in_z09_z12']:.1%} of Z09-Z12 applicants are Black. "
        f"Black share per region: {zip_line}.",
        "",
        "### Hiring (selection = `shortlisted == 1`, truth = `qualified == 1`)",
        "",
        f"Overall selection rate {f['hiring_overall_selection']:.3f}.",
        "",
        "By age band:",
        "",
        _table(f["hiring_age"], "under 40"),
        "",
        f"40 and over / under 40 selection ratio = {ay:.3f} (95% CI {ay_lo:.3f}-{ay_hi:.3f}); "
        f"TPR gap (under 40 minus 40 and over) = {f['tpr_gap_age']:.3f}.",
        "",
        "By gender:",
        "",
        _table(f["hiring_gender"], "man"),
        "",
        "By ethnicity:",
        "",
        _table(f["hiring_ethnicity"], "White"),
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and exit 1 if any file on disk differs",
    )
    args = parser.parse_args(argv)
    if args.check:
        bad = differing_files(HERE)
        if bad:
            print("out of date or missing: " + ", ".join(bad), file=sys.stderr)
            print("run: python sample_data/make_samples.py", file=sys.stderr)
            return 1
        print("sample data up to date: " + ", ".join(FILES))
        return 0
    contents = write_samples(HERE)
    for name, data in contents.items():
        print(f"wrote {name}: {len(data):,} bytes")
    print()
    print(report(planted_facts(HERE)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
