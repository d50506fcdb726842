#!/usr/bin/env python3
"""Save a PyTorch char model's state_dict as safetensors, with the logits PyTorch computes for a
batch of tokens, so that `rnnlab import-torch` can be checked end to end.

Writes OUT_DIR/{name}.safetensors (the state_dict, float32, written with this script's own
safetensors writer: 8-byte little-endian header length, JSON header, raw data) and
OUT_DIR/{name}.json ({"tokens": [T][B], "logits": [T][B][V]}, computed in float64 from the same
float32 weights).

usage: export_state_dict.py OUT_DIR [--seed N]
"""
import argparse
import json
import struct
import sys

try:
    import torch
except ImportError as error:  # pragma: no cover
    sys.stderr.write("export_state_dict.py needs PyTorch, and import torch failed (%s): pip install torch "
                     "(a CPU build is enough), or on Debian or Ubuntu: sudo apt-get install python3-torch "
                     "libopenblas0\n" % error)
    sys.exit(2)


class CharModel(torch.nn.Module):
    def __init__(self, kind, vocab, embed, hidden, layers):
        super().__init__()
        self.encoder = torch.nn.Embedding(vocab, embed)
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
        self.core = rnn(embed, hidden, num_layers=layers)
        self.head = torch.nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, _ = self.core(self.encoder(tokens))
        return self.head(out)


def save_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    for kind, layers in [("lstm", 2), ("gru", 1), ("rnn", 1)]:
        model = CharModel(kind, vocab=13, embed=6, hidden=8, layers=layers)
        name = f"{kind}_L{layers}_V13_E6_H8"
        save_safetensors(f"{args.out_dir}/{name}.safetensors", model.state_dict())
        tokens = torch.randint(0, 13, (7, 3))
        with torch.no_grad():
            logits = model.double()(tokens)
        with open(f"{args.out_dir}/{name}.json", "w") as f:
            json.dump({"kind": kind, "layers": layers, "tokens": tokens.tolist(), "logits": logits.tolist()}, f)


if __name__ == "__main__":
    main()
