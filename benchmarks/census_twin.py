"""A synthetic twin of the census income test set (16,281 rows), as two files joined by id.

    python benchmarks/census_twin.py OUT_DIR [--rows 16281] [--seed 0]

``census_people.csv`` has an ``id`` and 15 columns shaped like the census data's: age,
workclass, fnlwgt (a sampling weight, nearly unique), education and education_num (two
codings of one thing), marital_status, occupation, relationship, race, sex, capital_gain,
capital_loss, hours_per_week, native_country, and ``income``: the true outcome as text
(``<=50K.``/``>50K.``), which is what a copy of the label looks like among the features.
``census_predictions.csv`` has ``id`` (in another order), ``y_true`` (1: income above 50K),
``y_pred`` and ``score`` (a model's probability). The planted gap: women are selected at
about a third of men's rate, much of it through relationship and occupation.

Used by ``benchmarks/bench_session.py`` and by the browser tests; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 16_281
PEOPLE = "census_people.csv"
PREDICTIONS = "census_predictions.csv"
EDUCATION = (("Preschool", 1), ("1st-4th", 2), ("5th-6th", 3), ("7th-8th", 4), ("9th", 5),
             ("10th", 6), ("11th", 7), ("12th", 8), ("HS-grad", 9), ("Some-college", 10),
             ("Assoc-voc", 11), ("Assoc-acdm", 12), ("Bachelors", 13), ("Masters", 14),
             ("Prof-school", 15), ("Doctorate", 16))
EDUCATION_P = (0.002, 0.005, 0.01, 0.02, 0.015, 0.03, 0.035, 0.013, 0.32, 0.22, 0.04, 0.033,
               0.165, 0.055, 0.017, 0.0)
RACES = ("White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other")
RACE_P = (0.855, 0.096, 0.03, 0.01, 0.009)
WORKCLASS = ("Private", "Self-emp-not-inc", "Local-gov", "?", "State-gov", "Self-emp-inc",
             "Federal-gov", "Without-pay")
WORKCLASS_P = (0.69, 0.08, 0.065, 0.057, 0.04, 0.035, 0.03, 0.003)
OCCUPATIONS = ("Prof-specialty", "Craft-repair", "Exec-managerial", "Adm-clerical", "Sales",
               "Other-service", "Machine-op-inspct", "?", "Transport-moving",
               "Handlers-cleaners", "Farming-fishing", "Tech-support", "Protective-serv",
               "Priv-house-serv")
OCCUPATION_LIFT = (0.9, 0.1, 1.1, -0.4, 0.3, -1.0, -0.5, -0.8, -0.1, -0.9, -0.6, 0.5, 0.4, -1.5)
MARITAL = ("Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
           "Married-spouse-absent", "Married-AF-spouse")
COUNTRIES = ("United-States", "Mexico", "Philippines", "Germany", "Puerto-Rico", "Canada",
             "India", "?")
COUNTRY_P = (0.9, 0.02, 0.008, 0.005, 0.005, 0.004, 0.004, 0.054)


def make_census(rows: int = ROWS, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The people file and the predictions file (in another row order), as DataFrames."""
    rng = np.random.default_rng(seed)
    sex = np.where(rng.random(rows) < 0.67, "Male", "Female")
    male = sex == "Male"
    race = rng.choice(np.array(RACES), rows, p=RACE_P)
    age = np.clip(np.round(rng.gamma(6.0, 6.5, rows) + 12), 17, 90).astype(int)
    education_code = rng.choice(len(EDUCATION), rows, p=np.array(EDUCATION_P) / sum(EDUCATION_P))
    education = np.array([name for name, _ in EDUCATION])[education_code]
    education_num = np.array([years for _, years in EDUCATION])[education_code]
    married = rng.random(rows) < np.where(age < 25, 0.05, np.where(male, 0.6, 0.35))
    marital = np.where(married, MARITAL[0],
                       rng.choice(np.array(MARITAL[1:]), rows, p=[0.6, 0.25, 0.06, 0.06, 0.02,
                                                                   0.01]))
    relationship = np.where(
        married, np.where(male, "Husband", "Wife"),
        rng.choice(np.array(["Not-in-family", "Own-child", "Unmarried", "Other-relative"]), rows,
                   p=[0.5, 0.3, 0.15, 0.05]))
    occupation_code = rng.choice(len(OCCUPATIONS), rows)
    occupation_code = np.where(~male & (rng.random(rows) < 0.3), 3, occupation_code)
    occupation = np.array(OCCUPATIONS)[occupation_code]
    hours = np.clip(np.round(rng.normal(np.where(male, 42, 36), 11)), 1, 99).astype(int)
    gain = np.where(rng.random(rows) < 0.08, np.round(rng.lognormal(8.2, 1.0, rows)), 0)
    loss = np.where(rng.random(rows) < 0.045, np.round(rng.normal(1870, 350, rows)), 0)
    margin = (-9.3 + 0.42 * education_num + 0.045 * np.minimum(age, 60)
              + 1.8 * (marital == MARITAL[0]) + np.array(OCCUPATION_LIFT)[occupation_code]
              + 0.03 * (hours - 40) + 0.00025 * gain + 0.0012 * loss + 0.5 * male
              - 0.3 * (race == "Black"))
    probability = 1 / (1 + np.exp(-margin))
    y_true = rng.random(rows) < probability
    score = np.clip(1 / (1 + np.exp(-(margin + rng.normal(0, 0.6, rows)))), 0, 1)
    y_pred = score >= 0.5
    ids = np.array([f"P{i:06d}" for i in range(rows)])
    people = pd.DataFrame({
        "id": ids, "age": age,
        "workclass": rng.choice(np.array(WORKCLASS), rows, p=WORKCLASS_P),
        "fnlwgt": np.round(rng.lognormal(12.0, 0.55, rows)).astype(int),
        "education": education, "education_num": education_num, "marital_status": marital,
        "occupation": occupation, "relationship": relationship, "race": race, "sex": sex,
        "capital_gain": gain.astype(int), "capital_loss": np.maximum(loss, 0).astype(int),
        "hours_per_week": hours,
        "native_country": rng.choice(np.array(COUNTRIES), rows, p=COUNTRY_P),
        "income": np.where(y_true, ">50K.", "<=50K."),
    })
    order = rng.permutation(rows)
    predictions = pd.DataFrame({"id": ids[order], "y_true": y_true[order].astype(int),
                                "y_pred": y_pred[order].astype(int),
                                "score": np.round(score[order], 6)})
    return people, predictions


def write_census(folder: Path, rows: int = ROWS, seed: int = 0) -> tuple[Path, Path]:
    """Write ``census_people.csv`` and ``census_predictions.csv`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    people, predictions = make_census(rows, seed)
    paths = folder / PEOPLE, folder / PREDICTIONS
    people.to_csv(paths[0], index=False)
    predictions.to_csv(paths[1], index=False)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for path in write_census(args.out, args.rows, args.seed):
        print(path)


if __name__ == "__main__":
    main()
