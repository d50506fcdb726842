#!/usr/bin/env python3
"""Compare two fixture files of the same computation.

  compare_fixtures.py A.json B.json [--rtol 1e-12] [--ignore KEY ...] [--quiet]

Prints, for every top-level key, the largest difference between A and B over all numbers
under it (absolute, and relative to max(1, largest |entry| of B under that key)) and how
many numbers differ at all (bit-level). Exit status: 0 if the key sets are equal (at every
level) and every number agrees within rtol (relative, as above); 1 otherwise; 2 on usage
errors. Integers, booleans and strings must match exactly, except the free-text fields
`about` and `note` and the `torch_version` string, which are only reported.
Needs only the Python standard library.
"""

import argparse
import json
import math
import sys

INFO_ONLY = {"about", "note", "torch_version"}


class Diff:
    def __init__(self):
        self.count = 0          # numbers compared
        self.differ = 0         # numbers not bit-identical
        self.max_abs = 0.0
        self.max_ref = 0.0      # largest |b|
        self.where = None       # path of the largest difference
        self.problems = []      # structural / exact-match failures
        self.info = []          # informational differences


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def walk(a, b, path, d, key_name):
    if isinstance(a, dict) and isinstance(b, dict):
        ka, kb = set(a), set(b)
        if ka != kb:
            d.problems.append("%s: keys only in A: %s; only in B: %s"
                              % (path, sorted(ka - kb), sorted(kb - ka)))
        for k in a:
            if k in b:
                walk(a[k], b[k], "%s.%s" % (path, k), d, k)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            d.problems.append("%s: length %d vs %d" % (path, len(a), len(b)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, "%s[%d]" % (path, i), d, key_name)
        return
    if _is_num(a) and _is_num(b):
        if isinstance(a, int) and isinstance(b, int):
            if a != b:
                d.problems.append("%s: integer %d vs %d" % (path, a, b))
            return
        if isinstance(a, int) != isinstance(b, int):
            # 2 vs 2.0: same number, but integer fields must stay integers
            if float(a) != float(b) or key_name not in ("max_norm", "scales", "clip_value"):
                d.problems.append("%s: %r vs %r (integer vs float)" % (path, a, b))
        fa, fb = float(a), float(b)
        d.count += 1
        d.max_ref = max(d.max_ref, abs(fb))
        if fa != fb or (fa == 0 and math.copysign(1, fa) != math.copysign(1, fb)):
            d.differ += 1
            diff = abs(fa - fb)
            if diff > d.max_abs or d.where is None:
                d.max_abs = diff
                d.where = "%s: %r vs %r" % (path, a, b)
        return
    if a != b or type(a) is not type(b):
        if key_name in INFO_ONLY:
            d.info.append("%s differs%s" % (path, "" if key_name in ("about", "note")
                                             else ": %r vs %r" % (a, b)))
        else:
            d.problems.append("%s: %r vs %r" % (path, a, b))


def main(argv=None):
    p = argparse.ArgumentParser(prog="compare_fixtures.py",
                                description="Largest difference per key between two fixture files.")
    p.add_argument("a", metavar="A.json")
    p.add_argument("b", metavar="B.json", help="the reference (tolerance is scaled by its entries)")
    p.add_argument("--rtol", type=float, default=1e-12,
                   help="allowed |a-b| / max(1, max|b| under the key) (default 1e-12)")
    p.add_argument("--ignore", action="append", default=[], metavar="KEY",
                   help="top-level key to skip (repeatable)")
    p.add_argument("--quiet", action="store_true", help="print only failures and the verdict")
    args = p.parse_args(argv)

    try:
        with open(args.a) as f:
            A = json.load(f)
        with open(args.b) as f:
            B = json.load(f)
    except (OSError, ValueError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    if not isinstance(A, dict) or not isinstance(B, dict):
        print("error: both files must hold a JSON object", file=sys.stderr)
        return 2

    ok = True
    ka, kb = set(A) - set(args.ignore), set(B) - set(args.ignore)
    if ka != kb:
        ok = False
        print("KEY SETS DIFFER: only in A: %s; only in B: %s" % (sorted(ka - kb), sorted(kb - ka)))

    width = max([len(k) for k in A] + [10])
    n_total = n_differ = 0
    for key in A:
        if key not in B or key in args.ignore:
            continue
        d = Diff()
        walk(A[key], B[key], key, d, key)
        n_total += d.count
        n_differ += d.differ
        rel = d.max_abs / max(1.0, d.max_ref)
        bad = bool(d.problems) or rel > args.rtol
        ok = ok and not bad
        if d.count:
            status = "identical" if d.differ == 0 else ("ok" if not bad else "FAIL")
            if not args.quiet or bad:
                line = "%-*s  max|a-b| %.3e  rel %.3e  differing %d/%d  %s" % (
                    width, key, d.max_abs, rel, d.differ, d.count, status)
                if d.differ and d.where:
                    line += "  (largest at %s)" % d.where
                print(line)
        elif not args.quiet and not d.problems:
            print("%-*s  %s" % (width, key, "same" if not d.info else "differs (not compared)"))
        for msg in d.problems:
            print("%-*s  FAIL %s" % (width, key, msg))
        if not args.quiet:
            for msg in d.info:
                if key not in ("about",):
                    print("%-*s  note: %s" % (width, key, msg))

    print("%s: %d numbers, %d not bit-identical, rtol %g -> %s"
          % ("compare", n_total, n_differ, args.rtol, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
