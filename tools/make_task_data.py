#!/usr/bin/env python3
"""Writes the three bundled task datasets of rnnlab (classify, tag, forecast) into data/.

    python3 tools/make_task_data.py              # writes data/digits.jsonl, data/truecase.jsonl, data/sunspots.csv
    python3 tools/make_task_data.py --baselines  # also prints each task's baseline and a simple model that beats it

Sources (all installable from Debian 12, no network beyond apt):
  - digits.jsonl: sklearn.datasets.load_digits (python3-sklearn), the test set of UCI "Optical
    Recognition of Handwritten Digits" (Alpaydin & Kaynak 1998), CC BY 4.0.
  - truecase.jsonl: data/tinyshakespeare.txt (public domain), the project's own text.
  - sunspots.csv: statsmodels.datasets.sunspots (python3-statsmodels), yearly sunspot numbers
    1700-2008 from NOAA's National Geophysical Data Center, public domain.

The output is deterministic: the same packages give byte-identical files. Not run by the tests.
"""

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

TRUECASE_LINES = 6000  # sampled lines of tinyshakespeare; keeps the file under 1.5 MB
TRUECASE_SEED = 13
SUNSPOT_SEASON = 11  # the solar cycle, about 11 years: the season of seasonal naive
BASELINE_SEED = 1
BASELINE_VAL_FRACTION = 0.1  # random hold-out for classify and tag
FORECAST_VAL_FRACTION = 0.2  # the last part of the series for forecast


def compact_json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write_atomically(path, text):
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ---- classify: digits -------------------------------------------------------------------------


def digits_rows():
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = []
    for image, target in zip(digits.images, digits.target):
        # one sequence per image: its 8 rows (time steps) of 8 pixel counts 0..16 (features)
        x = [[int(v) for v in row] for row in image]
        rows.append({"x": x, "label": str(int(target))})
    return rows


# ---- tag: truecasing tinyshakespeare ----------------------------------------------------------

TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[^\sA-Za-z]")


def case_tag(token):
    """lower / Title / UPPER / other (no letters, or mixed case such as "McBeth")."""
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return "other"
    if all(c.islower() for c in letters):
        return "lower"
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "UPPER"
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "Title"  # one capital letter alone ("I", "O", "A") counts as Title
    return "other"


def truecase_rows():
    text = (DATA / "tinyshakespeare.txt").read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if TOKEN.search(line)]
    picked = sorted(random.Random(TRUECASE_SEED).sample(range(len(lines)), TRUECASE_LINES))
    rows = []
    for i in picked:
        tokens = TOKEN.findall(lines[i])
        rows.append({"tokens": [t.lower() for t in tokens], "tags": [case_tag(t) for t in tokens]})
    return rows


# ---- forecast: sunspots -----------------------------------------------------------------------


def sunspot_series():
    import statsmodels.api as sm

    frame = sm.datasets.sunspots.load_pandas().data
    return [(int(y), float(v)) for y, v in zip(frame["YEAR"], frame["SUNACTIVITY"])]


def sunspots_csv(series):
    return "year,sunspots\n" + "".join(f"{y},{v:g}\n" for y, v in series)


# ---- baselines (printed with --baselines) -----------------------------------------------------


def random_split(n, fraction, seed):
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_val = round(n * fraction)
    return sorted(order[n_val:]), sorted(order[:n_val])


def digits_baselines(rows):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    train, val = random_split(len(rows), BASELINE_VAL_FRACTION, BASELINE_SEED)
    x = np.array([np.ravel(r["x"]) for r in rows], dtype=float) / 16
    y = np.array([r["label"] for r in rows])
    majority = Counter(y[train]).most_common(1)[0][0]
    majority_acc = float(np.mean(y[val] == majority))
    model = LogisticRegression(max_iter=5000).fit(x[train], y[train])
    logreg_acc = float(np.mean(model.predict(x[val]) == y[val]))
    print(f"classify digits.jsonl: {len(rows)} sequences, T=8, features 8, 10 classes")
    print(f"  hold-out {len(val)} (random, seed {BASELINE_SEED})")
    label, count = Counter(y).most_common(1)[0]
    print(f"  majority class of train '{majority}': accuracy {majority_acc:.4f} (whole set: '{label}', {count / len(y):.4f})")
    print(f"  logistic regression on the 64 pixels: accuracy {logreg_acc:.4f}")


def tag_features(tokens, i):
    prev = tokens[i - 1] if i > 0 else "<s>"
    nxt = tokens[i + 1] if i + 1 < len(tokens) else "</s>"
    return {f"w={tokens[i]}": 1, f"p={prev}": 1, f"n={nxt}": 1, f"first={i == 0}": 1}


def truecase_baselines(rows):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    train, val = random_split(len(rows), BASELINE_VAL_FRACTION, BASELINE_SEED)
    counts = defaultdict(Counter)
    all_tags = Counter()
    for r in (rows[i] for i in train):
        for token, tag in zip(r["tokens"], r["tags"]):
            counts[token][tag] += 1
            all_tags[tag] += 1
    overall = all_tags.most_common(1)[0][0]
    best = {token: c.most_common(1)[0][0] for token, c in counts.items()}
    gold = [tag for i in val for tag in rows[i]["tags"]]
    per_token = [best.get(t, overall) for i in val for t in rows[i]["tokens"]]
    n = len(gold)
    acc_majority = sum(g == overall for g in gold) / n
    acc_per_token = sum(g == p for g, p in zip(gold, per_token)) / n

    def featurize(indices):
        feats, tags = [], []
        for i in indices:
            tokens = rows[i]["tokens"]
            for k in range(len(tokens)):
                feats.append(tag_features(tokens, k))
                tags.append(rows[i]["tags"][k])
        return feats, tags

    vectorizer = DictVectorizer()
    x_train, y_train = featurize(train)
    x_val, y_val = featurize(val)
    model = LogisticRegression(max_iter=2000).fit(vectorizer.fit_transform(x_train), y_train)
    pred = model.predict(vectorizer.transform(x_val))
    acc_context = sum(g == p for g, p in zip(y_val, pred)) / n
    tokens_total = sum(len(r["tokens"]) for r in rows)
    print(f"tag truecase.jsonl: {len(rows)} sequences, {tokens_total} tokens, tags {dict(all_tags)}")
    print(f"  hold-out {len(val)} sequences, {n} tokens (random, seed {BASELINE_SEED})")
    print(f"  one tag for all ('{overall}'): per-token accuracy {acc_majority:.4f}")
    print(f"  most frequent tag per token (unseen: '{overall}'): per-token accuracy {acc_per_token:.4f}")
    print(f"  logistic regression on (token, previous, next, first in line): {acc_context:.4f}")


def forecast_errors(actual, predicted):
    errors = [p - a for a, p in zip(actual, predicted)]
    mae = sum(abs(e) for e in errors) / len(errors)
    rmse = (sum(e * e for e in errors) / len(errors)) ** 0.5
    return mae, rmse


def fit_ar(values, order):
    """Least squares AR(order) with intercept: y_t = c + Σ_k a_k y_{t-k}."""
    import numpy as np

    rows = [[1.0] + [values[t - k] for k in range(1, order + 1)] for t in range(order, len(values))]
    coef, *_ = np.linalg.lstsq(np.array(rows), np.array(values[order:]), rcond=None)
    return coef


def ar_predict(coef, history):
    return coef[0] + sum(coef[k] * history[-k] for k in range(1, len(coef)))


def sunspots_baselines(series):
    values = [v for _, v in series]
    n_val = round(len(values) * FORECAST_VAL_FRACTION)
    split = len(values) - n_val
    train = values[:split]
    actual = values[split:]
    m = SUNSPOT_SEASON
    # Hyndman's scale: in-sample one-step naive MAE on the training part
    scale = sum(abs(train[t] - train[t - 1]) for t in range(1, split)) / (split - 1)
    print(f"forecast sunspots.csv: {len(values)} yearly values {series[0][0]}-{series[-1][0]}, season {m}")
    print(f"  validation: the last {n_val} values ({series[split][0]}-{series[-1][0]}); train MAE of naive {scale:.3f}")

    def ahead(name, predict, h):
        # the value at t + h - 1 from the history before t, for every t with t + h - 1 in validation
        starts = range(split - h + 1, len(values) - h + 1)
        predicted = [predict(values[:t], h) for t in starts]
        mae, rmse = forecast_errors(actual, predicted)
        return name, mae, rmse

    def ar_ahead(coef):
        def predict(history, h):
            history = list(history)
            for _ in range(h):  # feeds its own predictions back
                history.append(ar_predict(coef, history))
            return history[-1]

        return predict

    for h in (1, 6):
        rows = [
            ahead("naive: the last value", lambda hist, h: hist[-1], h),
            ahead(f"seasonal naive: the value {m} before", lambda hist, h: hist[-m + h - 1], h),
        ]
        for order in (2, 9):
            rows.append(ahead(f"AR({order}) least squares on train", ar_ahead(fit_ar(train, order)), h))
        naive_mae = rows[0][1]
        print(f"  horizon {h} ({h} step(s) ahead of the true history; AR feeds its own predictions back):")
        print("    model                               MAE     RMSE    MASE(vs naive at h)  MASE(Hyndman, train naive)")
        for name, mae, rmse in rows:
            print(f"    {name:<35} {mae:7.3f} {rmse:7.3f} {mae / naive_mae:10.3f} {mae / scale:18.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baselines", action="store_true", help="print each task's baseline and a model that beats it")
    args = parser.parse_args()
    try:
        digits = digits_rows()
        series = sunspot_series()
    except ImportError as error:
        print(f"make_task_data.py: {error}; install: sudo apt-get install python3-sklearn python3-statsmodels")
        return 2
    truecase = truecase_rows()
    write_atomically(DATA / "digits.jsonl", "".join(compact_json(r) + "\n" for r in digits))
    write_atomically(DATA / "truecase.jsonl", "".join(compact_json(r) + "\n" for r in truecase))
    write_atomically(DATA / "sunspots.csv", sunspots_csv(series))
    for name in ("digits.jsonl", "truecase.jsonl", "sunspots.csv"):
        print(f"wrote data/{name} ({(DATA / name).stat().st_size} bytes)")
    if args.baselines:
        digits_baselines(digits)
        truecase_baselines(truecase)
        sunspots_baselines(series)
    return 0


if __name__ == "__main__":
    sys.exit(main())
