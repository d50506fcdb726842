#!/usr/bin/env python3
"""Write PyTorch reference fixtures for `rnnlab parity`.

Self-contained: needs only Python 3 and PyTorch (CPU is enough). Everything is computed
in float64. The files have the format described in the fixtures README (kinds `recurrent`,
`charlm` and `clip`); numbers are written as the shortest decimal that round-trips
(Python's repr(float)), so JSON.parse gives back exactly the doubles PyTorch produced.

Usage (see tools/README.md for more):

  make_fixtures.py recurrent --arch gru --layers 1 --seq-len 5 --batch 3 --input 4 --hidden 6 [--saturating]
  make_fixtures.py charlm --arch lstm --optimizer adam --vocab 11 --embed 5 --hidden 7 --seq-len 5 --batch 3 [--max-norm X]
  make_fixtures.py clip --shapes "4;2,3;3,2,2" --scales 1,0.5,2 [--zero 2]
  make_fixtures.py recurrent --arch lstm --seq-len 5 --batch 3 --input 4 --hidden 6 [--bidirectional]
                   [--proj-size 3] [--no-bias] [--lengths 5,2,4]     # format version 2 (layer options)
  make_fixtures.py --all DIR                  # the standard set (same file names as the shipped set)
  make_fixtures.py --all DIR --set public-v2  # the layer-option set (format version 2)
  make_fixtures.py --like REF.json... --out-dir DIR
                                              # same parameters, seeds and max_norm as existing files

Common options: --seed N (default 1), --generator-seed N, --out FILE or --out-dir DIR.

Seeds: every file's inputs are drawn from one torch.Generator seeded with `generator_seed`.
Unless --generator-seed is given it is derived from --seed and the file's standard name
(the name this script would give it, e.g. `gru_L1_T5_B3_I4_H6.json`, whatever --out says):

  generator_seed = int.from_bytes(sha256(f"{seed}:{name}".encode("utf-8")).digest()[:4], "big")

i.e. the first 4 bytes of the SHA-256 of "<seed>:<name>" as a big-endian unsigned 32-bit
integer. (The shipped reference set was made with a different, undocumented derivation:
to reproduce one of its files, pass its `generator_seed`, or use --like.)
"""

import argparse
import hashlib
import json
import math
import os
import sys

try:
    import torch
except ImportError as error:  # pragma: no cover
    sys.stderr.write("make_fixtures.py needs PyTorch, and import torch failed (%s): pip install torch "
                     "(a CPU build is enough), or on Debian or Ubuntu: sudo apt-get install python3-torch "
                     "libopenblas0\n" % error)
    sys.exit(2)

torch.set_default_dtype(torch.float64)

FORMAT_VERSION = 1
ARCHS = ("rnn_tanh", "rnn_relu", "gru", "lstm")
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}
GATE_ORDER = {"rnn_tanh": "-", "rnn_relu": "-", "gru": "r,z,n", "lstm": "i,f,g,o"}

ADAM = {"name": "adam", "lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
        "weight_decay": 0.0, "amsgrad": False}
SGD = {"name": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0,
       "nesterov": False}

CLIP_VALUE = 0.1
CLIP_MAX_NORMS = (0.5, 1e9)  # each with norm 2 and inf, then max_norm = the 2-norm itself


# --------------------------------------------------------------------------------------
# naming and seeds


def recurrent_name(arch, layers, seq_len, batch, inp, hidden, saturating):
    return "%s_L%d_T%d_B%d_I%d_H%d%s.json" % (arch, layers, seq_len, batch, inp, hidden,
                                               "_sat" if saturating else "")


def charlm_name(arch, optimizer, vocab, embed, hidden, seq_len, batch):
    return "charlm_%s_%s_V%d_E%d_H%d_T%d_B%d.json" % (arch, optimizer, vocab, embed, hidden,
                                                      seq_len, batch)


def clip_name(shapes):
    return "clip_%d_tensors.json" % len(shapes)


def derive_generator_seed(seed, name):
    """First 4 bytes of sha256("<seed>:<name>"), big-endian: an unsigned 32-bit integer."""
    digest = hashlib.sha256(("%d:%s" % (seed, name)).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def make_generator(generator_seed):
    g = torch.Generator()
    g.manual_seed(int(generator_seed))
    return g


# --------------------------------------------------------------------------------------
# JSON output: top-level keys one per line, values that are objects one key per line,
# everything else (arrays, nested objects inside arrays) compact on one line.


def _compact(value):
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def render(doc):
    lines = []
    for key, value in doc.items():
        if isinstance(value, dict) and value:
            inner = ",\n".join("    %s: %s" % (json.dumps(k), _compact(v)) for k, v in value.items())
            lines.append("  %s: {\n%s\n  }" % (json.dumps(key), inner))
        else:
            lines.append("  %s: %s" % (json.dumps(key), _compact(value)))
    return "{\n" + ",\n".join(lines) + "\n}\n"


def tolist(t):
    """A tensor as nested Python floats (or ints), detached."""
    return t.detach().tolist()


def header(kind, seed, generator_seed):
    return {
        "about": "",  # filled in last
        "kind": kind,
        "format_version": FORMAT_VERSION,
        "torch_version": torch.__version__,
        "dtype": "float64",
        "seed": int(seed),
        "generator_seed": int(generator_seed),
    }


# --------------------------------------------------------------------------------------
# texts shared by the `about` fields


def equations_text(arch):
    if arch in ("rnn_tanh", "rnn_relu"):
        act = arch[4:]
        return "h_t = %s(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)." % act
    if arch == "gru":
        return ("Gate blocks are stacked along the rows of weight_ih/weight_hh/bias_ih/bias_hh "
                "in the order r, z, n (rows [0,H) = r, [H,2H) = z, [2H,3H) = n). "
                "r = sigmoid(W_ir x + b_ir + W_hr h + b_hr); z = sigmoid(W_iz x + b_iz + W_hz h + b_hz); "
                "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) (b_hn is multiplied by r together with "
                "W_hn h); h' = (1 - z) * n + z * h.")
    return ("Gate blocks are stacked along the rows of weight_ih/weight_hh/bias_ih/bias_hh in the "
            "order i, f, g, o (rows [0,H) = i, [H,2H) = f, [2H,3H) = g, [3H,4H) = o). "
            "i = sigmoid(W_ii x + b_ii + W_hi h + b_hi); f = sigmoid(W_if x + b_if + W_hf h + b_hf); "
            "g = tanh(W_ig x + b_ig + W_hg h + b_hg); o = sigmoid(W_io x + b_io + W_ho h + b_ho); "
            "c' = f * c + i * g; h' = o * tanh(c').")


def module_text(arch):
    return {"rnn_tanh": "nn.RNN(nonlinearity='tanh')", "rnn_relu": "nn.RNN(nonlinearity='relu')",
            "gru": "nn.GRU", "lstm": "nn.LSTM"}[arch]


def make_rnn(arch, inp, hidden, layers):
    kw = dict(num_layers=layers, bias=True, batch_first=False, dropout=0.0, bidirectional=False)
    if arch == "rnn_tanh":
        return torch.nn.RNN(inp, hidden, nonlinearity="tanh", **kw)
    if arch == "rnn_relu":
        return torch.nn.RNN(inp, hidden, nonlinearity="relu", **kw)
    if arch == "gru":
        return torch.nn.GRU(inp, hidden, **kw)
    if arch == "lstm":
        return torch.nn.LSTM(inp, hidden, **kw)
    raise ValueError("unknown arch %r" % arch)


def rnn_param_names(layers):
    names = []
    for k in range(layers):
        names += ["weight_ih_l%d" % k, "weight_hh_l%d" % k, "bias_ih_l%d" % k, "bias_hh_l%d" % k]
    return names


def rnn_param_shape(name, gates, inp, hidden):
    k = int(name.rsplit("_l", 1)[1])
    rows = gates * hidden
    if name.startswith("weight_ih"):
        return [rows, inp if k == 0 else hidden]
    if name.startswith("weight_hh"):
        return [rows, hidden]
    return [rows]


def uniform(shape, bound, g):
    return torch.empty(shape, dtype=torch.float64).uniform_(-bound, bound, generator=g)


def normal(shape, g):
    return torch.randn(shape, dtype=torch.float64, generator=g)


# --------------------------------------------------------------------------------------
# kind `recurrent`


def put_results(doc, rnn, names, lstm, c0, outputs, loss_weights, loss, leaves):
    """Writes what a `recurrent` fixture of either version records after the backward pass: c0, the
    outputs (output, h_n, c_n), the loss weights, the loss and the gradients of every parameter and of
    the leaves (x, h0, c0). c0, c_n and their weights and gradients only for an LSTM."""
    output, h_n, c_n = outputs
    w_out, w_hn, w_cn = loss_weights
    xg, h0g, c0g = leaves
    if lstm:
        doc["c0"] = tolist(c0)
    doc["output"] = tolist(output)
    doc["h_n"] = tolist(h_n)
    if lstm:
        doc["c_n"] = tolist(c_n)
    doc["loss_weights_output"] = tolist(w_out)
    doc["loss_weights_h_n"] = tolist(w_hn)
    if lstm:
        doc["loss_weights_c_n"] = tolist(w_cn)
    doc["loss"] = loss.item()
    grads = {n: tolist(getattr(rnn, n).grad) for n in names}
    grads["x"] = tolist(xg.grad)
    grads["h0"] = tolist(h0g.grad)
    if lstm:
        grads["c0"] = tolist(c0g.grad)
    doc["grads"] = grads


def recurrent_case(seq_len, batch, hidden, saturating):
    if saturating:
        return "saturating"
    if seq_len == 1:
        return "seq_len_1"
    if batch == 1:
        return "batch_1"
    if hidden == 1:
        return "hidden_1"
    return "basic"


def make_recurrent(arch, layers, seq_len, batch, inp, hidden, saturating, seed, generator_seed):
    g = make_generator(generator_seed)
    lstm = arch == "lstm"
    gates = GATES[arch]
    names = rnn_param_names(layers)
    shapes = {n: rnn_param_shape(n, gates, inp, hidden) for n in names}
    bound = 1.0 / math.sqrt(hidden)

    # --- draws, in this order
    params = {n: uniform(shapes[n], bound, g) for n in names}
    if saturating:
        sign = torch.where(torch.rand([seq_len, batch, inp], generator=g) < 0.5, -1.0, 1.0)
        u = torch.rand([seq_len, batch, inp], generator=g)
        x = sign * (8 + 4 * u)
    else:
        x = normal([seq_len, batch, inp], g)
    h0 = normal([layers, batch, hidden], g)
    c0 = normal([layers, batch, hidden], g) if lstm else None
    w_out = normal([seq_len, batch, hidden], g)
    w_hn = normal([layers, batch, hidden], g)
    w_cn = normal([layers, batch, hidden], g) if lstm else None

    # --- forward / backward with torch.nn
    rnn = make_rnn(arch, inp, hidden, layers)
    with torch.no_grad():
        for n in names:
            getattr(rnn, n).copy_(params[n])
    xg = x.clone().requires_grad_(True)
    h0g = h0.clone().requires_grad_(True)
    c0g = c_n = None
    if lstm:
        c0g = c0.clone().requires_grad_(True)
        output, (h_n, c_n) = rnn(xg, (h0g, c0g))
        loss = (output * w_out).sum() + (h_n * w_hn).sum() + (c_n * w_cn).sum()
    else:
        output, h_n = rnn(xg, h0g)
        loss = (output * w_out).sum() + (h_n * w_hn).sum()
    loss.backward()

    doc = header("recurrent", seed, generator_seed)
    doc.update({
        "case": recurrent_case(seq_len, batch, hidden, saturating),
        "arch": arch,
        "num_layers": layers,
        "input_size": inp,
        "hidden_size": hidden,
        "seq_len": seq_len,
        "batch": batch,
        "gate_order": GATE_ORDER[arch],
        "param_order": names,
        "param_shapes": shapes,
        "params": {n: tolist(params[n]) for n in names},
        "x": tolist(x),
        "h0": tolist(h0),
    })
    put_results(doc, rnn, names, lstm, c0, (output, h_n, c_n), (w_out, w_hn, w_cn), loss, (xg, h0g, c0g))

    G = "%d*H" % gates
    state = "h0, c0" if lstm else "h0"
    xtext = ("x = s * (8 + 4 * u), where first s = torch.where(torch.rand(T, B, I) < 0.5, -1.0, 1.0) "
             "and then u = torch.rand(T, B, I) (two full tensors of draws), so |x| is in [8, 12] and "
             "most tanh/sigmoid units saturate"
             if saturating else "x ~ Normal(0, 1) (torch.randn)")
    doc["about"] = (
        "Forward and backward pass of PyTorch %s in float64 (torch %s, CPU), case '%s'. "
        "arch=%s, num_layers=%d, input_size=%d, hidden_size=%d, seq_len=%d, batch=%d; biases on, "
        "time-major (batch_first=False), no dropout, one direction. "
        "Shapes: x [T][B][I]; h0, h_n%s [L][B][H]; output [T][B][H] holds the top layer's hidden "
        "state at every time step. Parameters use PyTorch's names and shapes: weight_ih_l{k} [%s][in_k] "
        "with in_0 = I and in_k = H above the first layer, weight_hh_l{k} [%s][H], bias_ih_l{k} [%s], "
        "bias_hh_l{k} [%s]; layer k > 0 reads the hidden sequence of layer k-1; %s "
        "Equations: %s "
        "Loss: loss = sum(output * loss_weights_output) + sum(h_n * loss_weights_h_n)%s, each a sum "
        "of elementwise products over all entries, added left to right. grads[name] is d loss / d name "
        "for every parameter and for x, %s, shaped like the tensor itself. "
        "Inputs: one torch.Generator, manual_seed(generator_seed), draws in this order: every "
        "parameter in param_order from Uniform(-k, k), k = 1/sqrt(hidden_size) (PyTorch's default "
        "init range; tensor.uniform_(-k, k)); then %s; then %s, %s ~ Normal(0, 1) (torch.randn), "
        "each a full tensor in row-major order."
    ) % (
        module_text(arch), torch.__version__, doc["case"], arch, layers, inp, hidden, seq_len, batch,
        " (and c0, c_n)" if lstm else "", G, G, G, G,
        "h0[k] and c0[k] are the initial hidden and cell state of layer k." if lstm
        else "h0[k] is the initial state of layer k.",
        equations_text(arch),
        " + sum(c_n * loss_weights_c_n)" if lstm else "",
        state, xtext, state,
        "loss_weights_output, loss_weights_h_n, loss_weights_c_n" if lstm
        else "loss_weights_output, loss_weights_h_n",
    )
    return doc


# --------------------------------------------------------------------------------------
# kind `recurrent`, format version 2: the layer options bidirectional, proj_size, bias, lengths


def recurrent_v2_name(arch, layers, seq_len, batch, inp, hidden, bidirectional, proj_size, bias, lengths):
    return "%s_L%d_T%d_B%d_I%d_H%d%s%s%s%s.json" % (
        arch, layers, seq_len, batch, inp, hidden, "_bi" if bidirectional else "",
        "_P%d" % proj_size if proj_size else "", "" if bias else "_nobias", "_len" if lengths else "")


def make_rnn_v2(arch, inp, hidden, layers, bidirectional, proj_size, bias):
    kw = dict(num_layers=layers, bias=bias, batch_first=False, dropout=0.0, bidirectional=bidirectional)
    if arch == "lstm":
        return torch.nn.LSTM(inp, hidden, proj_size=proj_size, **kw)
    if proj_size:
        raise ValueError("proj_size is an nn.LSTM option; arch %s has none" % arch)
    if arch == "gru":
        return torch.nn.GRU(inp, hidden, **kw)
    return torch.nn.RNN(inp, hidden, nonlinearity=arch[len("rnn_"):], **kw)


def make_recurrent_v2(arch, layers, seq_len, batch, inp, hidden, bidirectional, proj_size, bias, lengths,
                      seed, generator_seed):
    if proj_size and not 0 < proj_size < hidden:
        raise ValueError("--proj-size must be in 1..hidden-1")
    if lengths is not None and (len(lengths) != batch or not all(1 <= n <= seq_len for n in lengths)):
        raise ValueError("--lengths needs %d lengths in 1..%d" % (batch, seq_len))
    g = make_generator(generator_seed)
    lstm = arch == "lstm"
    D = 2 if bidirectional else 1
    H_out = proj_size or hidden
    rnn = make_rnn_v2(arch, inp, hidden, layers, bidirectional, proj_size, bias)
    names = list(rnn._flat_weights_names)
    shapes = {n: list(getattr(rnn, n).shape) for n in names}
    bound = 1.0 / math.sqrt(hidden)

    # --- draws, in this order
    params = {n: uniform(shapes[n], bound, g) for n in names}
    x = normal([seq_len, batch, inp], g)
    h0 = normal([layers * D, batch, H_out], g)
    c0 = normal([layers * D, batch, hidden], g) if lstm else None
    w_out = normal([seq_len, batch, D * H_out], g)
    w_hn = normal([layers * D, batch, H_out], g)
    w_cn = normal([layers * D, batch, hidden], g) if lstm else None

    with torch.no_grad():
        for n in names:
            getattr(rnn, n).copy_(params[n])
    xg = x.clone().requires_grad_(True)
    h0g = h0.clone().requires_grad_(True)
    state = h0g
    c0g = None
    if lstm:
        c0g = c0.clone().requires_grad_(True)
        state = (h0g, c0g)
    packed = xg
    if lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(xg, torch.tensor(lengths), enforce_sorted=False)
    output, final = rnn(packed, state)
    if lengths is not None:
        output, _ = torch.nn.utils.rnn.pad_packed_sequence(output, total_length=seq_len)
    h_n, c_n = final if lstm else (final, None)
    loss = (output * w_out).sum() + (h_n * w_hn).sum()
    if lstm:
        loss = loss + (c_n * w_cn).sum()
    loss.backward()

    doc = header("recurrent", seed, generator_seed)
    doc["format_version"] = 2
    doc.update({
        "case": "options",
        "arch": arch,
        "num_layers": layers,
        "input_size": inp,
        "hidden_size": hidden,
        "seq_len": seq_len,
        "batch": batch,
        "bidirectional": bool(bidirectional),
        "proj_size": int(proj_size),
        "bias": bool(bias),
        "lengths": None if lengths is None else [int(n) for n in lengths],
        "gate_order": GATE_ORDER[arch],
        "param_order": names,
        "param_shapes": shapes,
        "params": {n: tolist(params[n]) for n in names},
        "x": tolist(x),
        "h0": tolist(h0),
    })
    put_results(doc, rnn, names, lstm, c0, (output, h_n, c_n), (w_out, w_hn, w_cn), loss, (xg, h0g, c0g))
    states = "h0, c0" if lstm else "h0"
    doc["about"] = (
        "PyTorch %s forward and backward in float64, layer options (format version 2 of kind "
        "'recurrent'). arch=%s, num_layers=%d, input_size=%d, hidden_size=%d, seq_len=%d, batch=%d, "
        "bidirectional=%s, proj_size=%d, bias=%s, lengths=%s. D = 2 if bidirectional else 1; H_out = "
        "proj_size if proj_size > 0 else hidden_size. Layouts: x [T][B][I]; h0, h_n [L*D][B][H_out] "
        "(index k*D + d: layer k, direction d, d = 1 the reverse one); c0, c_n [L*D][B][H]; output "
        "[T][B][D*H_out] (forward direction's units first, then the reverse one's). Params keyed by "
        "PyTorch names, the reverse direction's with suffix '_reverse'; with proj_size, "
        "weight_hr_l{k}[_reverse] [H_out][H] projects h = W_hr (o * tanh(c)); layer k > 0 takes the "
        "previous layer's output [T][B][D*H_out]; weight_hh is [G*H][H_out]. bias=False: no bias_* "
        "tensors. lengths (when not null): sequence b has lengths[b] valid steps "
        "(pack_padded_sequence with enforce_sorted=False, then pad_packed_sequence): output is 0 at "
        "t >= lengths[b], h_n/c_n are the states after the last valid step (the reverse direction "
        "starts at t = lengths[b]-1), and no gradient reaches padded x. Equations per direction as in "
        "format version 1. Loss: sum(output * loss_weights_output) + sum(h_n * loss_weights_h_n)%s. "
        "grads[name] = d loss / d name for every parameter and x, %s. Data: generator_seed draws "
        "every parameter in param_order from Uniform(-k, k), k = 1/sqrt(hidden_size), then x, %s, and "
        "the loss weights ~ Normal(0, 1)."
    ) % (
        module_text(arch), arch, layers, inp, hidden, seq_len, batch, bidirectional, proj_size, bias,
        lengths, " + sum(c_n * loss_weights_c_n)" if lstm else "", states, states,
    )
    return doc


def public_v2_set():
    """(file name, kind, kwargs) of the layer-option fixtures (format version 2)."""
    out = []
    one = dict(layers=1, seq_len=5, batch=3, inp=4, hidden=6, bidirectional=False, proj_size=0,
               bias=True, lengths=None)
    cases = [("rnn_tanh", {}), ("rnn_relu", {}), ("gru", {}), ("lstm", {})]
    for arch, _ in cases:
        out.append(dict(one, arch=arch, bidirectional=True))
        out.append(dict(one, arch=arch, lengths=[5, 2, 4]))
    out.append(dict(one, arch="lstm", proj_size=3))
    out.append(dict(one, arch="rnn_tanh", layers=2, seq_len=4, batch=2, inp=3, hidden=5, bias=False))
    out.append(dict(one, arch="gru", layers=2, seq_len=4, batch=3, inp=3, hidden=5, bidirectional=True,
                    lengths=[4, 1, 3]))
    return [(recurrent_v2_name(**kw), "recurrent_v2", kw) for kw in out]


# --------------------------------------------------------------------------------------
# kind `charlm`


class CharLM(torch.nn.Module):
    def __init__(self, arch, vocab, embed, hidden):
        super().__init__()
        self.arch = arch
        self.embedding = torch.nn.Embedding(vocab, embed)
        self.rnn = make_rnn(arch, embed, hidden, 1)
        self.linear = torch.nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, _ = self.rnn(self.embedding(tokens))  # zero initial state
        return self.linear(out)


def charlm_param_shapes(arch, vocab, embed, hidden):
    gates = GATES[arch]
    return {
        "embedding.weight": [vocab, embed],
        "rnn.weight_ih_l0": [gates * hidden, embed],
        "rnn.weight_hh_l0": [gates * hidden, hidden],
        "rnn.bias_ih_l0": [gates * hidden],
        "rnn.bias_hh_l0": [gates * hidden],
        "linear.weight": [vocab, hidden],
        "linear.bias": [vocab],
    }


def make_optimizer(name, params):
    if name == "adam":
        kw = dict(lr=ADAM["lr"], betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"],
                  weight_decay=ADAM["weight_decay"], amsgrad=ADAM["amsgrad"])
        cls = torch.optim.Adam
    else:
        kw = dict(lr=SGD["lr"], momentum=SGD["momentum"], dampening=SGD["dampening"],
                  weight_decay=SGD["weight_decay"], nesterov=SGD["nesterov"])
        cls = torch.optim.SGD
    try:  # the single-tensor (for-loop) implementation, as on CPU by default
        return cls(params, foreach=False, **kw)
    except TypeError:  # very old torch without `foreach`
        return cls(params, **kw)


def run_charlm(arch, optimizer, vocab, embed, hidden, init, batches, max_norm):
    """Two training steps. max_norm=None: no clipping (used to choose max_norm)."""
    model = CharLM(arch, vocab, embed, hidden)
    names = [n for n, _ in model.named_parameters()]
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(init[n])
    opt = make_optimizer(optimizer, list(model.parameters()))
    steps = []
    for tokens, targets in batches:
        opt.zero_grad(set_to_none=True)
        logits = model(tokens)
        T, B, V = logits.shape
        loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B),
                                                 reduction="mean")
        loss.backward()
        grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        clip = max_norm if max_norm is not None else float("inf")
        total_norm = torch.nn.utils.clip_grad_norm_(list(model.parameters()), clip, norm_type=2.0)
        clipped = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        opt.step()
        after = {n: p.detach().clone() for n, p in model.named_parameters()}
        steps.append({"logits": logits.detach().clone(), "loss": loss.item(), "grads": grads,
                      "total_norm": float(total_norm), "grads_clipped": clipped, "params_after": after})
    return names, steps


def choose_max_norm(total_norms):
    """Half the smaller of the two unclipped gradient norms, rounded to 3 significant digits."""
    return float("%.3g" % (0.5 * min(total_norms)))


def make_charlm(arch, optimizer, vocab, embed, hidden, seq_len, batch, max_norm, seed, generator_seed):
    if optimizer not in ("adam", "sgd"):
        raise ValueError("optimizer must be adam or sgd")
    g = make_generator(generator_seed)
    shapes = charlm_param_shapes(arch, vocab, embed, hidden)
    names = list(shapes)
    bound = 1.0 / math.sqrt(hidden)

    # --- draws, in this order
    init = {}
    for n in names:
        init[n] = normal(shapes[n], g) if n == "embedding.weight" else uniform(shapes[n], bound, g)
    tokens = torch.randint(0, vocab, (seq_len, batch), generator=g)
    targets = torch.randint(0, vocab, (seq_len, batch), generator=g)
    tokens_2 = torch.randint(0, vocab, (seq_len, batch), generator=g)
    targets_2 = torch.randint(0, vocab, (seq_len, batch), generator=g)
    batches = [(tokens, targets), (tokens_2, targets_2)]

    chosen = max_norm is None
    if chosen:
        _, dry = run_charlm(arch, optimizer, vocab, embed, hidden, init, batches, None)
        max_norm = choose_max_norm([s["total_norm"] for s in dry])
    order, steps = run_charlm(arch, optimizer, vocab, embed, hidden, init, batches, max_norm)
    assert order == names, (order, names)
    for i, s in enumerate(steps):
        if not max_norm / (s["total_norm"] + 1e-6) < 1:
            sys.stderr.write("warning: max_norm=%r does not clip on step %d (total_norm %r)\n"
                             % (max_norm, i + 1, s["total_norm"]))

    opt_desc = dict(ADAM if optimizer == "adam" else SGD)
    after_key = "params_after_" + optimizer
    doc = header("charlm", seed, generator_seed)
    doc.update({
        "arch": arch, "V": vocab, "E": embed, "H": hidden, "T": seq_len, "B": batch,
        "gate_order": GATE_ORDER[arch],
        "optimizer": opt_desc,
        "max_norm": max_norm,
        "norm_type": 2,
        "param_order": names,
        "param_shapes": shapes,
        "params": {n: tolist(init[n]) for n in names},
    })
    for i, (s, (tok, tgt)) in enumerate(zip(steps, batches)):
        sfx = "" if i == 0 else "_%d" % (i + 1)
        doc["tokens" + sfx] = tolist(tok)
        doc["targets" + sfx] = tolist(tgt)
        doc["logits" + sfx] = tolist(s["logits"])
        doc["loss" + sfx] = s["loss"]
        doc["grads" + sfx] = {n: tolist(s["grads"][n]) for n in names}
        doc["total_norm" + sfx] = s["total_norm"]
        doc["grads_clipped" + sfx] = {n: tolist(s["grads_clipped"][n]) for n in names}
        doc[after_key + sfx] = {n: tolist(s["params_after"][n]) for n in names}

    gates = GATES[arch]
    if optimizer == "adam":
        opt_text = (
            "Optimizer: torch.optim.Adam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, "
            "amsgrad=False, foreach=False: the single-tensor CPU loop). For each parameter at step t "
            "(counted from 1), g being the CLIPPED gradient and m = v = 0 before step 1: "
            "m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g*g; "
            "p = p - (lr/(1-beta1^t)) * m / (sqrt(v)/sqrt(1-beta2^t) + eps) (eps is added after the "
            "bias correction of v).")
    else:
        opt_text = (
            "Optimizer: torch.optim.SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, "
            "nesterov=False, foreach=False). For each parameter, g being the CLIPPED gradient: "
            "buf = g on step 1 and buf = 0.9*buf + g afterwards; p = p - lr*buf.")
    mn_text = ("max_norm=%r was chosen automatically so that clipping happens on both steps: a dry "
               "run of the same two steps without clipping gives two gradient norms, and max_norm is "
               "half the smaller one rounded to 3 significant digits" % max_norm if chosen
               else "max_norm=%r was given explicitly" % max_norm)
    doc["about"] = (
        "Two training steps of a character-level language model, float64 (torch %s, CPU). "
        "Model: embedding = nn.Embedding(V=%d, E=%d); rnn = %s(input_size=E, hidden_size=H=%d, "
        "num_layers=1, bias=True, batch_first=False) started from a zero state%s at both steps "
        "(nothing is carried from step 1 to step 2); linear = nn.Linear(H, V). "
        "logits[t][b] = linear(rnn(embedding(tokens))[t][b]), shape [T=%d][B=%d][V]. "
        "loss = F.cross_entropy(logits.reshape(T*B, V), targets.reshape(T*B)) (reduction 'mean'): "
        "the mean over the T*B positions of logsumexp(logits[t][b]) - logits[t][b][targets[t][b]]. "
        "Parameters: embedding.weight [V][E]; rnn.weight_ih_l0 [%d*H][E], rnn.weight_hh_l0 [%d*H][H], "
        "rnn.bias_ih_l0 [%d*H], rnn.bias_hh_l0 [%d*H]; linear.weight [V][H]; linear.bias [V]; "
        "param_order is the order of model.parameters(). RNN equations: %s "
        "Step 1: forward on tokens/targets gives logits and loss; backward gives grads (d loss / d "
        "param, not clipped); torch.nn.utils.clip_grad_norm_(parameters in param_order, max_norm, "
        "norm_type=2) returns total_norm = the 2-norm of the per-parameter gradient 2-norms, and "
        "multiplies every gradient by min(max_norm / (total_norm + 1e-6), 1) (torch computes that factor "
        "as (1 / (total_norm + 1e-6)) * max_norm, a reciprocal then a product), giving grads_clipped; "
        "then one optimizer step gives %s. Step 2 does the same from %s on tokens_2/targets_2, with "
        "the optimizer state of step 1, giving logits_2, loss_2, grads_2, total_norm_2, "
        "grads_clipped_2 and %s_2. %s. %s "
        "Inputs: one torch.Generator, manual_seed(generator_seed), draws in this order: "
        "embedding.weight ~ Normal(0, 1) (torch.randn); then the rnn.* parameters, linear.weight and "
        "linear.bias, in param_order, each from Uniform(-1/sqrt(H), 1/sqrt(H)) (tensor.uniform_); "
        "then tokens, targets, tokens_2, targets_2, each torch.randint(0, V, (T, B))."
    ) % (
        torch.__version__, vocab, embed, module_text(arch), hidden,
        " (h0 = 0, c0 = 0)" if arch == "lstm" else " (h0 = 0)", seq_len, batch,
        gates, gates, gates, gates, equations_text(arch),
        after_key, after_key, after_key, mn_text, opt_text,
    )
    return doc


# --------------------------------------------------------------------------------------
# kind `clip`


def parse_shapes(text):
    shapes = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            raise ValueError("empty shape in %r" % text)
        shapes.append([int(d) for d in part.split(",")])
    return shapes


def parse_floats(text):
    return [float(v) for v in text.split(",") if v.strip()]


def parse_ints(text):
    return [int(v) for v in text.split(",") if v.strip()] if text else []


def make_clip(shapes, scales, zero, seed, generator_seed):
    if len(scales) != len(shapes):
        raise ValueError("need one scale per shape (%d shapes, %d scales)" % (len(shapes), len(scales)))
    for i in zero:
        if not 0 <= i < len(shapes):
            raise ValueError("--zero index %d out of range" % i)
    g = make_generator(generator_seed)
    grads = []
    for i, (shape, scale) in enumerate(zip(shapes, scales)):
        t = normal(shape, g) * scale  # drawn even when zeroed, so --zero does not move other draws
        grads.append(torch.zeros(shape, dtype=torch.float64) if i in zero else t)

    def fresh():
        params = []
        for t in grads:
            p = torch.nn.Parameter(torch.zeros_like(t))
            p.grad = t.clone()
            params.append(p)
        return params

    entries = []
    two_norm = None
    settings = [(m, nt) for m in CLIP_MAX_NORMS for nt in (2, "inf")]
    settings.append((None, 2))
    for max_norm, norm_type in settings:
        if max_norm is None:
            max_norm = two_norm
        params = fresh()
        nt = float("inf") if norm_type == "inf" else float(norm_type)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=nt)
        # reported as the correctly rounded double division; torch itself scales by
        # max_norm * (1 / (total_norm + 1e-6)) (Tensor.__rtruediv__), which can be 1 ulp off
        coef = max_norm / (float(total) + 1e-6)
        if norm_type == 2 and two_norm is None:
            two_norm = float(total)
        e = {"max_norm": max_norm, "norm_type": norm_type, "total_norm": float(total),
             "clip_coef": float(coef), "clipped": bool(coef < 1)}
        if max_norm == two_norm and len(entries) == len(settings) - 1:
            e["note"] = ("max_norm is exactly total_norm; because of the + 1e-6 in the denominator "
                         "clip_coef is just below 1, so the tensors are still scaled, very slightly")
        e["tensors"] = [tolist(p.grad) for p in params]
        entries.append(e)

    params = fresh()
    torch.nn.utils.clip_grad_value_(params, clip_value=CLIP_VALUE)

    doc = header("clip", seed, generator_seed)
    doc.update({
        "shapes": shapes,
        "scales": scales,
        "grads": [tolist(t) for t in grads],
        "clip_grad_norm": entries,
        "clip_grad_value": {"clip_value": CLIP_VALUE, "tensors": [tolist(p.grad) for p in params]},
    })
    n = len(shapes)
    ztext = ""
    if zero:
        ztext = (", except that grads[%s] %s set to exactly 0 (still drawn first, so the other "
                 "tensors are unaffected)" % (", ".join(str(i) for i in zero), "is" if len(zero) == 1 else "are"))
    doc["about"] = (
        "Gradient clipping in float64 (torch %s) on %d gradient tensors with shapes %s, used as the "
        ".grad of %d parameters in this order. Inputs: one torch.Generator, "
        "manual_seed(generator_seed), draws grads[i] = torch.randn(shapes[i]) * scales[i] for i = 0, "
        "1, ... in order%s. clip_grad_norm has one entry per (max_norm, norm_type): (0.5, 2), "
        "(0.5, inf), (1e9, 2), (1e9, inf), and last (the 2-norm itself, 2); each applies "
        "torch.nn.utils.clip_grad_norm_ to a fresh copy of grads. norm_type 2: total_norm = the "
        "2-norm of the per-tensor 2-norms; norm_type inf: total_norm = the largest |entry| over all "
        "tensors. clip_coef = max_norm / (total_norm + 1e-6), and every tensor is multiplied by "
        "min(clip_coef, 1), so it is scaled only if clip_coef < 1 ('clipped'); multiplying by 1 "
        "leaves the values bit-identical. max_norm = 1e9 therefore changes nothing, while with "
        "max_norm equal to the 2-norm the 1e-6 still scales the tensors a tiny bit. 'total_norm' is "
        "the value returned (before clipping) and 'tensors' the gradients afterwards. 'clip_coef' is "
        "written as the correctly rounded double max_norm / (total_norm + 1e-6); the factor torch "
        "actually multiplies by is computed as (1 / (total_norm + 1e-6)) * max_norm (reciprocal, then "
        "product), which can be 1 ulp away from it, and 'tensors' are torch's. "
        "clip_grad_value: torch.nn.utils.clip_grad_value_(clip_value=0.1) on a fresh copy, i.e. every "
        "entry clamped to [-0.1, 0.1]."
    ) % (torch.__version__, n, json.dumps(shapes), n, ztext)
    return doc


# --------------------------------------------------------------------------------------
# the standard set


def standard_set():
    """(file name, kind, kwargs) of the standard fixtures."""
    out = []
    cases = [  # (layers, T, B, I, H, saturating)
        (1, 5, 3, 4, 6, False), (1, 1, 3, 4, 6, False), (1, 5, 1, 4, 6, False),
        (1, 5, 3, 4, 1, False), (1, 5, 3, 4, 6, True), (2, 4, 2, 3, 5, False),
    ]
    for arch in ARCHS:
        for L, T, B, I, H, sat in cases:
            kw = dict(arch=arch, layers=L, seq_len=T, batch=B, inp=I, hidden=H, saturating=sat)
            out.append((recurrent_name(**kw), "recurrent", kw))
    for arch, opt in (("rnn_tanh", "adam"), ("gru", "adam"), ("lstm", "adam"), ("gru", "sgd")):
        kw = dict(arch=arch, optimizer=opt, vocab=11, embed=5, hidden=7, seq_len=5, batch=3)
        out.append((charlm_name(**kw), "charlm", dict(kw, max_norm=None)))
    for shapes, scales, zero in (([[4], [2, 3], [3, 2, 2]], [1.0, 0.5, 2.0], []),
                                 ([[6, 5], [5], [1], [2, 2, 2], [3, 1]], [0.3, 1.0, 3.0, 0.1, 1.0], [4])):
        out.append((clip_name(shapes), "clip", dict(shapes=shapes, scales=scales, zero=zero)))
    return out


def build(kind, kw, seed, generator_seed, derived_from=None):
    """The fixture document. derived_from: the name generator_seed was derived from, if it was."""
    if kind == "recurrent":
        doc = make_recurrent(seed=seed, generator_seed=generator_seed, **kw)
    elif kind == "recurrent_v2":
        doc = make_recurrent_v2(seed=seed, generator_seed=generator_seed, **kw)
    elif kind == "charlm":
        doc = make_charlm(seed=seed, generator_seed=generator_seed, **kw)
    else:
        doc = make_clip(seed=seed, generator_seed=generator_seed, **kw)
    if derived_from is not None:
        doc["about"] += (" generator_seed = the first 4 bytes, read as a big-endian unsigned integer, "
                         "of SHA-256(\"%d:%s\") (seed and standard file name)." % (seed, derived_from))
    else:
        doc["about"] += " generator_seed was given explicitly (seed %d is recorded as is)." % seed
    return doc


def spec_from_reference(path):
    """(name, kind, kwargs, seed, generator_seed) reproducing an existing fixture file."""
    with open(path) as f:
        ref = json.load(f)
    kind = ref.get("kind")
    name = os.path.basename(path)
    if kind == "recurrent" and ref.get("format_version") == 2:
        kind = "recurrent_v2"
        kw = dict(arch=ref["arch"], layers=ref["num_layers"], seq_len=ref["seq_len"],
                  batch=ref["batch"], inp=ref["input_size"], hidden=ref["hidden_size"],
                  bidirectional=ref["bidirectional"], proj_size=ref["proj_size"], bias=ref["bias"],
                  lengths=ref["lengths"])
    elif kind == "recurrent":
        kw = dict(arch=ref["arch"], layers=ref["num_layers"], seq_len=ref["seq_len"],
                  batch=ref["batch"], inp=ref["input_size"], hidden=ref["hidden_size"],
                  saturating=ref.get("case") == "saturating")
    elif kind == "charlm":
        kw = dict(arch=ref["arch"], optimizer=ref["optimizer"]["name"], vocab=ref["V"],
                  embed=ref["E"], hidden=ref["H"], seq_len=ref["T"], batch=ref["B"],
                  max_norm=ref["max_norm"])
    elif kind == "clip":
        zero = [i for i, t in enumerate(ref["grads"])
                if all(v == 0 for v in _flatten(t)) and ref["scales"][i] != 0]
        kw = dict(shapes=ref["shapes"], scales=[float(s) for s in ref["scales"]], zero=zero)
    else:
        raise ValueError("%s: unknown kind %r" % (path, kind))
    return name, kind, kw, ref["seed"], ref["generator_seed"]


def _flatten(v):
    if isinstance(v, list):
        for e in v:
            yield from _flatten(e)
    else:
        yield v


def write(doc, path):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    text = render(doc)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    print(path)


# --------------------------------------------------------------------------------------
# command line


def positive(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return v


def parse_args(argv):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=1, help="seed recorded in the file; with the file "
                        "name it gives the generator seed (default 1)")
    common.add_argument("--generator-seed", type=int, default=None,
                        help="seed of the torch.Generator that draws the inputs (default: "
                        "first 4 bytes of sha256('<seed>:<file name>'), big-endian)")
    out = common.add_mutually_exclusive_group()
    out.add_argument("--out", help="output file")
    out.add_argument("--out-dir", help="output directory (file gets its standard name)")

    p = argparse.ArgumentParser(
        prog="make_fixtures.py",
        description="Write PyTorch float64 reference fixtures for `rnnlab parity`.",
        epilog="Modes without a kind: --all DIR writes the standard set; --like REF.json... "
               "--out-dir DIR regenerates existing fixture files (same parameters, seed, "
               "generator_seed and max_norm) with this torch.")
    p.add_argument("--all", metavar="DIR", help="write a set of fixtures (--set) into DIR")
    p.add_argument("--set", dest="fixture_set", choices=("standard", "public-v2"), default="standard",
                   help="with --all: the standard set (format version 1) or public-v2, the layer "
                   "options (format version 2 of kind recurrent)")
    p.add_argument("--like", nargs="+", metavar="REF.json",
                   help="regenerate these fixture files (needs --out-dir)")
    p.add_argument("--seed", dest="top_seed", type=int, default=None, metavar="N",
                   help="with --all: the seed (default 1); with a kind, put --seed after the kind")
    p.add_argument("--out-dir", dest="top_out_dir", metavar="DIR", help="with --like: output directory")
    sub = p.add_subparsers(dest="kind", metavar="{recurrent,charlm,clip}")

    r = sub.add_parser("recurrent", parents=[common], help="one recurrent layer stack, forward+backward")
    r.add_argument("--arch", choices=ARCHS, required=True)
    r.add_argument("--layers", type=positive, default=1)
    r.add_argument("--seq-len", type=positive, required=True)
    r.add_argument("--batch", type=positive, required=True)
    r.add_argument("--input", type=positive, required=True)
    r.add_argument("--hidden", type=positive, required=True)
    r.add_argument("--saturating", action="store_true", help="x = +-(8 + 4u): saturated units")
    r.add_argument("--bidirectional", action="store_true", help="format version 2: D = 2")
    r.add_argument("--proj-size", type=int, default=0, help="format version 2: LSTM proj_size")
    r.add_argument("--no-bias", action="store_true", help="format version 2: bias=False")
    r.add_argument("--lengths", default=None, help="format version 2: valid lengths, one per row, e.g. 5,2,4")

    c = sub.add_parser("charlm", parents=[common], help="char-LM: two training steps with clipping")
    c.add_argument("--arch", choices=ARCHS, required=True)
    c.add_argument("--optimizer", choices=("adam", "sgd"), required=True)
    c.add_argument("--vocab", type=positive, required=True)
    c.add_argument("--embed", type=positive, required=True)
    c.add_argument("--hidden", type=positive, required=True)
    c.add_argument("--seq-len", type=positive, required=True)
    c.add_argument("--batch", type=positive, required=True)
    c.add_argument("--max-norm", type=float, default=None,
                   help="clipping threshold (default: half the smaller unclipped norm of a dry "
                   "run, to 3 significant digits, so both steps clip)")

    k = sub.add_parser("clip", parents=[common], help="clip_grad_norm_ / clip_grad_value_ alone")
    k.add_argument("--shapes", required=True, help='tensor shapes, e.g. "4;2,3;3,2,2"')
    k.add_argument("--scales", required=True, help="one scale per tensor, e.g. 1,0.5,2")
    k.add_argument("--zero", default="", help="indices of tensors set to exactly 0, e.g. 4")

    args = p.parse_args(argv)
    modes = sum(x is not None for x in (args.all, args.like, args.kind))
    if modes != 1:
        p.error("give exactly one of: a kind (recurrent, charlm, clip), --all DIR, --like FILE...")
    if args.like is not None and not args.top_out_dir:
        p.error("--like needs --out-dir DIR")
    if args.top_out_dir and args.like is None:
        p.error("--out-dir before the kind is only for --like; put it after the kind")
    if args.top_seed is not None and args.all is None:
        p.error("--seed before the kind is only for --all; put it after the kind")
    return p, args


def main(argv=None):
    p, args = parse_args(sys.argv[1:] if argv is None else argv)

    if args.all is not None:
        seed = 1 if args.top_seed is None else args.top_seed
        for name, kind, kw in (public_v2_set() if args.fixture_set == "public-v2" else standard_set()):
            gs = derive_generator_seed(seed, name)
            write(build(kind, kw, seed, gs, name), os.path.join(args.all, name))
        return 0

    if args.like is not None:
        for path in args.like:
            name, kind, kw, seed, gs = spec_from_reference(path)
            out = os.path.join(args.top_out_dir, name)
            if os.path.abspath(out) == os.path.abspath(path):
                p.error("refusing to overwrite the reference %s" % path)
            write(build(kind, kw, seed, gs), out)
        return 0

    try:
        v2 = args.kind == "recurrent" and (args.bidirectional or args.proj_size or args.no_bias
                                            or args.lengths is not None)
        if v2:
            if args.saturating:
                raise ValueError("--saturating is a format version 1 case; drop it with the layer options")
            kw = dict(arch=args.arch, layers=args.layers, seq_len=args.seq_len, batch=args.batch,
                      inp=args.input, hidden=args.hidden, bidirectional=args.bidirectional,
                      proj_size=args.proj_size, bias=not args.no_bias,
                      lengths=None if args.lengths is None else parse_ints(args.lengths))
            name = recurrent_v2_name(**kw)
            args.kind = "recurrent_v2"
        elif args.kind == "recurrent":
            kw = dict(arch=args.arch, layers=args.layers, seq_len=args.seq_len, batch=args.batch,
                      inp=args.input, hidden=args.hidden, saturating=args.saturating)
            name = recurrent_name(**kw)
        elif args.kind == "charlm":
            kw = dict(arch=args.arch, optimizer=args.optimizer, vocab=args.vocab, embed=args.embed,
                      hidden=args.hidden, seq_len=args.seq_len, batch=args.batch)
            name = charlm_name(**kw)
            kw["max_norm"] = args.max_norm
        else:
            kw = dict(shapes=parse_shapes(args.shapes), scales=parse_floats(args.scales),
                      zero=parse_ints(args.zero))
            name = clip_name(kw["shapes"])
    except ValueError as e:
        p.error(str(e))
    derived_from = None if args.generator_seed is not None else name
    gs = args.generator_seed if derived_from is None else derive_generator_seed(args.seed, name)
    if not 0 <= gs < 2 ** 64:
        p.error("--generator-seed must be in [0, 2^64)")
    path = args.out or os.path.join(args.out_dir or ".", name)
    try:
        doc = build(args.kind, kw, args.seed, gs, derived_from)
    except ValueError as e:
        p.error(str(e))
    write(doc, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
