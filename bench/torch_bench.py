#!/usr/bin/env python3
"""PyTorch (CPU) worker for `npm run bench` (bench/run.ts), the Python twin of bench/worker.ts.

Same workload and line protocol as bench/common.ts: builds nn.Embedding + nn.RNN(tanh)/nn.GRU/nn.LSTM
(or nn.LSTM(bidirectional=True), whose readout reads 2H) + nn.Linear with Adam, prints `@bench {"ready": true, "info": ...}`, then answers JSON commands read from
stdin, one per line: {"cmd": "warmup"|"window", "seconds": S} -> {"steps", "seconds", "loss",
"initialLoss"}; {"cmd": "done"} -> {"maxRssKiB"}.

    python3 bench/torch_bench.py --info                      # versions and the BLAS in use
    python3 bench/torch_bench.py --cell lstm --hidden 128 --threads 1
    python3 bench/torch_bench.py --matmul --size 1024 --threads 2
    python3 bench/torch_bench.py --device cuda --cell rnn --hidden 512 --batch 256   # the torch-cuda row

On CUDA (--device cuda) the layers are cuDNN's, and a step reads nothing back: a window runs steps
until its seconds have passed, then torch.cuda.synchronize() so the GPU's time is counted, and the
losses are read after.

Thread counts: the coordinator also sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS in the environment,
since Debian's torch calls a generic libblas.so.3 (OpenBLAS through the alternatives system) whose
thread pool torch.set_num_threads does not control; openblas_set_num_threads is called as well.
"""

import argparse
import ctypes
import json
import os
import re
import resource
import sys
import time

MARK = "@bench "

# bench/common.ts WORKLOAD
V, E, T, B = 65, 64, 64, 32
LR = 2e-3
POOL = 8
SEED = 1


def send(msg):
    sys.stdout.write(MARK + json.dumps(msg) + "\n")
    sys.stdout.flush()


def token_stream(seed, count, vocab):
    """The 32-bit LCG of bench/common.ts tokenStream."""
    out = []
    s = seed & 0xFFFFFFFF
    for _ in range(count):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append((s >> 16) % vocab)
    return out


def loaded_libraries(pattern):
    """Paths of the shared libraries mapped into this process whose file name matches `pattern`."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split()
                if len(parts) >= 6 and parts[-1].startswith("/"):
                    path = parts[-1]
                    if re.search(pattern, os.path.basename(path), re.I) and path not in found:
                        found.append(path)
    except OSError:
        pass
    return found


def openblas_handle():
    for path in loaded_libraries(r"openblas"):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_num_threads  # noqa: B018 (raises if the symbol is missing)
            return lib
        except (OSError, AttributeError):
            continue
    return None


def set_threads(torch, threads):
    torch.set_num_threads(threads)
    lib = openblas_handle()
    if lib is not None:
        lib.openblas_set_num_threads(ctypes.c_int(threads))


def blas_info(torch):
    info = {}
    config = torch.__config__.show()
    m = re.search(r"BLAS_INFO=([^,\s]+)", config)
    info["torchBlasInfo"] = m.group(1) if m else "?"
    info["mkldnn"] = bool(torch.backends.mkldnn.is_available())
    libs = loaded_libraries(r"blas|lapack|mkl")
    info["blasLibraries"] = " ".join(libs)
    lib = openblas_handle()
    if lib is not None:
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info["blas"] = "OpenBLAS"
        info["openblasConfig"] = lib.openblas_get_config().decode().strip()
        info["openblasCore"] = lib.openblas_get_corename().decode().strip()
        info["openblasThreads"] = int(lib.openblas_get_num_threads())
    elif any("mkl" in os.path.basename(p) for p in libs):
        info["blas"] = "MKL"
    elif any("/blas/" in p for p in libs):
        info["blas"] = "reference BLAS (netlib: slow)"
    else:
        info["blas"] = "unknown"
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_WAIT_POLICY"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    return info


def import_torch():
    try:
        import torch  # noqa: PLC0415
    except Exception as e:  # noqa: BLE001 (any failure to import means: skipped)
        send({"skip": f"{sys.executable} cannot import torch: {type(e).__name__}: {e}"})
        sys.exit(0)
    return torch


def cuda_info(torch):
    """The CUDA device, or a skip line and exit when this torch has none."""
    if not torch.cuda.is_available():
        build = torch.version.cuda or "none (a CPU build)"
        send({"skip": f"torch.cuda.is_available() is false (torch {torch.__version__}, CUDA {build})"})
        sys.exit(0)
    return {
        "gpu": torch.cuda.get_device_name(0),
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
    }


def info_main(args):
    torch = import_torch()
    info = {"version": torch.__version__, "python": sys.version.split()[0]}
    if args.device == "cuda":
        info.update(cuda_info(torch))
    else:
        torch.ones(8, 8) @ torch.ones(8, 8)  # make sure the BLAS is loaded
        info.update(blas_info(torch))
    send({"ready": True, "info": info})


def matmul_main(args):
    torch = import_torch()
    set_threads(torch, args.threads)
    n = args.size
    g = torch.Generator().manual_seed(SEED)
    a = torch.rand(n, n, generator=g) - 0.5
    b = torch.rand(n, n, generator=g) - 0.5
    out = torch.empty(n, n)
    flops = 2.0 * n * n * n
    torch.mm(a, b, out=out)
    t0 = time.perf_counter()
    torch.mm(a, b, out=out)
    once = max(time.perf_counter() - t0, 1e-6)
    reps = max(1, int(args.seconds / once + 0.999))
    gflops = []
    for _ in range(args.windows):
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b, out=out)
        gflops.append(flops * reps / (time.perf_counter() - t0) / 1e9)
    info = blas_info(torch)
    send({"kernel": "torch.mm (" + info.get("blas", "?") + ")", "size": n, "threads": torch.get_num_threads(),
          "gflops": gflops, "info": info})


def train_main(args):
    torch = import_torch()
    import torch.nn as nn  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    cuda = args.device == "cuda"
    info = {"version": torch.__version__, "threads": 1 if cuda else args.threads, "batch": args.batch}
    if cuda:
        info.update(cuda_info(torch))
    else:
        set_threads(torch, args.threads)
    torch.manual_seed(SEED)
    device = torch.device(args.device)
    B = args.batch

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, E)
            if args.cell == "lstm":
                self.rnn = nn.LSTM(E, args.hidden)
            elif args.cell == "bilstm":
                self.rnn = nn.LSTM(E, args.hidden, bidirectional=True)
            elif args.cell == "gru":
                self.rnn = nn.GRU(E, args.hidden)
            else:
                self.rnn = nn.RNN(E, args.hidden, nonlinearity="tanh")
            directions = 2 if args.cell == "bilstm" else 1
            self.linear = nn.Linear(directions * args.hidden, V)

        def forward(self, x):
            y, _ = self.rnn(self.embedding(x))
            return self.linear(y)

    model = CharLM().to(device)
    # On CUDA, Adam's fused kernel (one launch for all parameters): PyTorch's fastest Adam.
    opt = torch.optim.Adam(model.parameters(), lr=LR, fused=True) if cuda else torch.optim.Adam(model.parameters(), lr=LR)
    info["adam"] = "fused" if cuda else "default"
    # Time-major [T, B] (nn.RNN's default layout), from the same token stream as the Node workers.
    batches = []
    for i in range(POOL):
        stream = token_stream(SEED + i, B * (T + 1), V)
        seqs = torch.tensor(stream, dtype=torch.long).view(B, T + 1)
        batches.append((seqs[:, :T].t().contiguous().to(device), seqs[:, 1:].t().contiguous().to(device)))

    def step(i):
        """One step; returns its loss as a tensor (reading it on CUDA would wait for the GPU)."""
        x, y = batches[i % POOL]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
        loss.backward()
        opt.step()
        return loss.detach()

    if cuda:
        torch.cuda.synchronize()
    else:
        info["threads"] = torch.get_num_threads()
        info.update(blas_info(torch))
    send({"ready": True, "info": info})

    counter = 0
    initial_loss = None
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command["cmd"] in ("warmup", "window"):
            steps = 0
            t0 = time.perf_counter()
            cpu0 = time.process_time()
            while True:
                loss = step(counter)
                if not cuda:
                    loss = loss.item()
                counter += 1
                steps += 1
                if initial_loss is None:
                    initial_loss = loss
                elapsed = time.perf_counter() - t0
                if elapsed >= command["seconds"] and cuda:
                    torch.cuda.synchronize()  # the window ends when the GPU has done its steps
                    elapsed = time.perf_counter() - t0
                if elapsed >= command["seconds"]:
                    break
            cpu = time.process_time() - cpu0
            loss = float(loss)
            initial_loss = float(initial_loss)
            send({"steps": steps, "seconds": elapsed, "cpuSeconds": cpu, "loss": loss, "initialLoss": initial_loss})
        elif command["cmd"] == "done":
            send({"maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
            break


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--info", action="store_true", help="print versions and the BLAS in use")
    parser.add_argument("--matmul", action="store_true", help="time n x n float32 products instead")
    parser.add_argument("--cell", choices=["rnn", "gru", "lstm", "bilstm"], default="lstm")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=B, help="sequences per batch (bench/common.ts WORKLOAD.batch)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="cuda: the torch-cuda row (cuDNN)")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--windows", type=int, default=3)
    args = parser.parse_args()
    try:
        if args.info:
            info_main(args)
        elif args.matmul:
            matmul_main(args)
        else:
            train_main(args)
    except Exception as e:  # noqa: BLE001 (reported to the coordinator, which carries on)
        import traceback  # noqa: PLC0415

        send({"error": f"{type(e).__name__}: {e}\n{traceback.format_exc()}"})
        sys.exit(1)


if __name__ == "__main__":
    main()
