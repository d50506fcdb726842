"""PyTorch's ReduceLROnPlateau on fixed metric sequences: the lr after each step(metric).

Writes test/fixtures/reduce-on-plateau.json, which test/fit-plateau.test.ts replays against
rnnlab/fit's ReduceLrOnPlateau. Run: python3 tools/make_plateau_fixture.py (PyTorch 1.13).
"""
import json

import torch

METRICS = {
    "falling then flat": [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
    "noisy": [1.0, 0.95, 0.97, 0.96, 0.99, 0.94, 0.94, 0.9401, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 0.92],
    "tiny gains": [1.0, 0.99995, 0.9999, 0.9998, 0.99979, 0.99978, 0.99977, 0.99976, 0.99975, 0.9997],
    "rising accuracy": [0.5, 0.6, 0.6, 0.61, 0.61, 0.61, 0.62, 0.62, 0.62, 0.62, 0.62, 0.62],
}

CASES = [
    ("falling then flat", dict(mode="min", factor=0.5, patience=2)),
    ("falling then flat", dict(mode="min", factor=0.5, patience=1, cooldown=2)),
    ("falling then flat", dict(mode="min", factor=0.1, patience=0, min_lr=0.002)),
    ("noisy", dict(mode="min", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs")),
    ("noisy", dict(mode="min", factor=0.3, patience=2, cooldown=1)),
    ("tiny gains", dict(mode="min", factor=0.5, patience=1)),
    ("tiny gains", dict(mode="min", factor=0.5, patience=1, threshold=0)),
    ("rising accuracy", dict(mode="max", factor=0.5, patience=1)),
    ("rising accuracy", dict(mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs", min_lr=0.02)),
    ("falling then flat", dict(mode="min", factor=0.9999999, patience=0, eps=1e-6)),
]

NAMES = {"threshold_mode": "thresholdMode", "min_lr": "minLr"}


def run(metrics, options, lr=0.1):
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    lrs = []
    for value in metrics:
        scheduler.step(value)
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


cases = []
for name, options in CASES:
    metrics = METRICS[name]
    cases.append({
        "name": name,
        "lr": 0.1,
        "options": {NAMES.get(k, k): v for k, v in options.items()},
        "metrics": metrics,
        "lrs": run(metrics, options),
    })
with open("test/fixtures/reduce-on-plateau.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases")
