#!/usr/bin/env python3
"""Write PyTorch references for rnnlab's optimizers and learning-rate schedules.

Self-contained: needs only Python 3 and PyTorch (CPU is enough; the committed files were written by
Debian's python3-torch 1.13). Everything is float64; numbers are written as Python's repr(float), the
shortest decimal that round-trips, so JSON.parse gives back exactly the doubles PyTorch produced.

  make_optim_fixtures.py [--out-dir test/fixtures/torch-optim]

writes two files:

- optim-steps.json: for each case, one flat parameter tensor `params` (N values) and `grads`
  (STEPS gradients of N values, fixed, drawn once from a seeded generator with magnitudes that rise
  and fall so that AMSGrad's running maximum both grows and holds); `after[k]` is the parameter
  tensor after update k + 1 and `state` the optimizer's state after the last one (PyTorch's state
  names). `torch` holds the constructor's keyword arguments; foreach=False (the single-tensor path).
- optim-schedules.json: for each case, `lrs[k]` is the learning rate of update k + 1 (the
  param group's lr before optimizer.step() number k + 1; scheduler.step() follows each update),
  with SGD(lr=base_lr) underneath.
"""

import argparse
import json
import os
import sys

try:
    import torch
except ImportError as error:  # pragma: no cover
    sys.stderr.write("make_optim_fixtures.py needs PyTorch, and import torch failed (%s): pip install torch "
                     "(a CPU build is enough), or on Debian or Ubuntu: sudo apt-get install python3-torch "
                     "libopenblas0\n" % error)
    sys.exit(2)

torch.set_default_dtype(torch.float64)

SEED = 13
N = 12
STEPS = 10
SCHEDULE_STEPS = 50
BASE_LR = 0.1

OPTIMIZER_CASES = [
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop", "RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-6, "momentum": 0.9}),
    ("rmsprop", "RMSprop", {"lr": 0.01, "alpha": 0.95, "eps": 1e-4, "weight_decay": 0.1, "centered": True}),
    ("rmsprop", "RMSprop", {"lr": 0.005, "alpha": 0.8, "eps": 1e-8, "weight_decay": 0.05, "momentum": 0.5,
                            "centered": True}),
    ("adagrad", "Adagrad", {"lr": 0.01}),
    ("adagrad", "Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.05, "initial_accumulator_value": 0.1,
                            "eps": 1e-8}),
    ("adam", "Adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", "Adam", {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw", "AdamW", {"lr": 0.01, "amsgrad": True}),
    ("adamw", "AdamW", {"lr": 0.05, "betas": (0.7, 0.95), "eps": 1e-7, "weight_decay": 0.2, "amsgrad": True}),
]

SCHEDULE_CASES = [
    ("onecycle", "OneCycleLR", {"max_lr": 0.1, "total_steps": SCHEDULE_STEPS}),
    ("onecycle", "OneCycleLR", {"max_lr": 0.5, "total_steps": SCHEDULE_STEPS, "pct_start": 0.25,
                                "anneal_strategy": "linear", "div_factor": 10.0, "final_div_factor": 100.0}),
    ("onecycle", "OneCycleLR", {"max_lr": 0.2, "total_steps": 47, "pct_start": 0.33, "div_factor": 5.0,
                                "final_div_factor": 1e3}),
    ("exponential", "ExponentialLR", {"gamma": 0.9}),
    ("multistep", "MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.5}),
    ("multistep", "MultiStepLR", {"milestones": [40, 10]}),
    ("cosine-restarts", "CosineAnnealingWarmRestarts", {"T_0": 7, "eta_min": 0.001}),
    ("cosine-restarts", "CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2}),
    ("cosine-restarts", "CosineAnnealingWarmRestarts", {"T_0": 4, "T_mult": 3, "eta_min": 0.01}),
]


def values(tensor):
    return [float(x) for x in tensor.reshape(-1).tolist()]


def fixed_inputs():
    generator = torch.Generator().manual_seed(SEED)
    params = torch.randn(N, generator=generator)
    scales = [1.0, 3.0, 0.5, 2.0, 0.1, 0.05, 4.0, 0.2, 1.0, 0.01]
    grads = [torch.randn(N, generator=generator) * scales[k % len(scales)] for k in range(STEPS)]
    return params, grads


def optimizer_case(name, cls, kwargs, params0, grads):
    param = torch.nn.Parameter(params0.clone())
    optimizer = getattr(torch.optim, cls)([param], foreach=False, **kwargs)
    after = []
    for grad in grads:
        param.grad = grad.clone()
        optimizer.step()
        after.append(values(param.detach()))
    state = optimizer.state[param]
    buffers = {key: values(value) for key, value in state.items() if key != "step"}
    step = state["step"]
    return {"name": name, "torch": {"class": cls, **kwargs}, "after": after,
            "state": {"step": int(step.item() if torch.is_tensor(step) else step), "buffers": buffers}}


def schedule_case(kind, cls, kwargs):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=BASE_LR)
    extra = {"cycle_momentum": False} if cls == "OneCycleLR" else {}
    scheduler = getattr(torch.optim.lr_scheduler, cls)(optimizer, **kwargs, **extra)
    steps = kwargs.get("total_steps", SCHEDULE_STEPS)
    lrs = []
    for _ in range(steps):
        lrs.append(float(optimizer.param_groups[0]["lr"]))
        param.grad = torch.zeros(1)
        optimizer.step()
        scheduler.step()
    return {"kind": kind, "baseLr": BASE_LR, "torch": {"class": cls, **kwargs, **extra}, "lrs": lrs}


def write(path, document):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
        out.write("\n")
    os.replace(tmp, path)
    print("wrote", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", default="test/fixtures/torch-optim")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    meta = {"torch_version": torch.__version__, "dtype": "float64"}
    params0, grads = fixed_inputs()
    steps = {**meta, "seed": SEED, "params": values(params0), "grads": [values(g) for g in grads],
             "cases": [optimizer_case(*case, params0, grads) for case in OPTIMIZER_CASES]}
    write(os.path.join(args.out_dir, "optim-steps.json"), steps)
    schedules = {**meta, "cases": [schedule_case(*case) for case in SCHEDULE_CASES]}
    write(os.path.join(args.out_dir, "optim-schedules.json"), schedules)


if __name__ == "__main__":
    main()
