#!/usr/bin/env python3
"""Formula mutation harness for bht's WP proofs (`make proofs-mutants`).

For every mutant of proofs/mutants/mutants.txt: copy the tree once to a
scratch directory, replace `old` by `new` in `file` (exactly one occurrence),
check that every source of the mutant's proof unit still compiles, run the
unit's Frama-C/WP target there and classify the mutant:

  KILLED    some goal is not Valid, or a smoke test failed
  SURVIVED  every goal Valid
  ERROR     the mutant does not compile or Frama-C stopped without a report
            (a harness or mutant bug: never counted as killed)

Default mode: WP on the mutated function only (-wp-fct overridden), since
the goals of every other function do not read that body (calls go through
contracts); a mutated function outside the unit's proved list is not
analysed by any goal and SURVIVES without a run.  --full runs the unit's
whole function list for every mutant instead (slower, same verdicts).
--jobs N runs N mutants at a time, each in its own scratch copy (default 2:
with one prover per Frama-C run, two runs fill the two cores, as make -j2
does for `make proofs`).
Writes proofs/mutants/report.txt.  Standard library only (reuses
proofs/check_report.py).  Exits 1 when a mutant survives or errs, unless
--no-fail.
"""
import argparse
import concurrent.futures
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "proofs"))
import check_report  # noqa: E402

# unit -> (run target, functions variable, cache variable, sources variable,
#          report json, log), all as in proofs/*.mk
UNITS = {
    "softmax": ("proofs-run", "WP_FUNCTIONS", "WP_CACHE", "WP_SOURCES",
                "proofs/report.json", "proofs/wp.log"),
    "kernels": ("proofs-kernels-run", "KWP_FUNCTIONS", "KWP_CACHE", "KWP_SOURCES",
                "proofs/kernels/report.json", "proofs/kernels/wp.log"),
    "distance": ("proofs-distance-run", "DIST_FUNCTIONS", "DIST_CACHE", "DIST_SOURCES",
                 "proofs/distance/report.json", "proofs/distance/wp.log"),
    "regression": ("proofs-regression-run", "RWP_FUNCTIONS", "RWP_CACHE", "RWP_SOURCES",
                   "proofs/regression/report.json", "proofs/regression/wp.log"),
}
FIELDS = ("id", "formula", "unit", "function", "file", "old", "new", "range")
OPTIONAL = ("hidden_by",)


def parse_mutants(path):
    mutants, cur, key = [], {}, None
    with open(path) as f:
        for raw in f.read().split("\n"):
            if raw.startswith("#"):
                continue
            if not raw.strip():
                if cur:
                    mutants.append(cur)
                cur, key = {}, None
                continue
            head = raw.split(":", 1)[0]
            if head in FIELDS + OPTIONAL and raw[len(head):].startswith(": "):
                key = head
                cur[key] = raw[len(head) + 2:]
            elif key:
                cur[key] += "\n" + raw
            else:
                sys.exit("mutants.txt: text outside a field: %r" % raw)
    if cur:
        mutants.append(cur)
    for m in mutants:
        missing = [k for k in FIELDS if k not in m]
        if missing:
            sys.exit("mutant %s: missing %s" % (m.get("id", "?"), ", ".join(missing)))
        if m["unit"] not in UNITS:
            sys.exit("mutant %s: unknown unit %s" % (m["id"], m["unit"]))
    ids = [m["id"] for m in mutants]
    if len(set(ids)) != len(ids):
        sys.exit("mutants.txt: duplicate ids")
    return mutants


def read_report(path):
    """id -> (verdict, detail) from a report written by this script."""
    out, cur = {}, None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] in ("KILLED", "SURVIVED", "ERROR", "NOT-RUN") and len(parts) > 1:
                cur = parts[1]
                out[cur] = [parts[0], ""]
            elif (cur and line.startswith("         ")
                  and not line.strip().startswith(("formula:", "hidden by:"))):
                text = line.strip()
                out[cur][1] = text[5:] if text.startswith("why: ") else text
    return {k: tuple(v) for k, v in out.items()}


def make_var(tree, var):
    out = subprocess.run(["make", "-s", "--no-print-directory",
                          "--eval=bht-print-%: ; @echo $($*)", "bht-print-" + var],
                         cwd=tree, capture_output=True, text=True, check=True)
    return out.stdout.split()


def fn_list(tree, var):
    return [f for f in "".join(make_var(tree, var)).split(",") if f]


def copy_tree(dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    ignore = shutil.ignore_patterns(".git", "build", "*.o", "report.json", "wp.log")
    shutil.copytree(ROOT, dst, ignore=ignore, symlinks=True)


def compiles(tree, files):
    for f in files:
        r = subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Isrc",
                            "-D_POSIX_C_SOURCE=200809L", "-fsyntax-only", f],
                           cwd=tree, capture_output=True, text=True)
        if r.returncode != 0:
            return "%s: %s" % (f, r.stderr.strip().splitlines()[0] if r.stderr else "error")
    return None


def run_unit(tree, unit, functions, timeout):
    target, fvar, cvar, _, rep, log = UNITS[unit]
    args = ["make", "-s", "--no-print-directory", target, cvar + "=update"]
    if functions is not None:
        args.append(fvar + "=" + functions)
    rp = os.path.join(tree, rep)
    if os.path.exists(rp):
        os.remove(rp)
    try:
        r = subprocess.run(args, cwd=tree, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "ERROR", "timeout after %d s" % timeout
    if not os.path.exists(rp):
        tail = (r.stdout + r.stderr).strip().splitlines()[-3:]
        return "ERROR", "frama-c exit %d, no report: %s" % (r.returncode, " / ".join(tail))
    with open(rp) as f:
        goals = check_report.collect(json.load(f))
    bad = sorted("%s:%s=%s" % (s, n, st) for (s, n), (st, _) in goals.items()
                 if not check_report.is_ok(st))
    if r.returncode != 0 and not bad:
        bad = ["frama-c exit %d" % r.returncode]
    if bad:
        more = " (+%d more)" % (len(bad) - 3) if len(bad) > 3 else ""
        return "KILLED", "not Valid: " + ", ".join(bad[:3]) + more
    return "SURVIVED", "all %d goals of %s Valid" % (len(goals), functions or unit)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mutants", default=os.path.join(HERE, "mutants.txt"))
    ap.add_argument("--report", default=os.path.join(HERE, "report.txt"))
    ap.add_argument("--work", default=os.path.join("/tmp", "bht-mutants-%d" % os.getuid()))
    ap.add_argument("--only", help="comma-separated mutant ids")
    ap.add_argument("--full", action="store_true", help="run the whole unit per mutant")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--jobs", type=int, default=2, help="mutants run at a time")
    ap.add_argument("--no-fail", action="store_true")
    ap.add_argument("--merge", nargs="+", metavar="REPORT",
                    help="write the report from these partial reports (a verdict other "
                    "than NOT-RUN wins) instead of running anything")
    ap.add_argument("--carry", help="an earlier report: copy its verdicts for the mutants "
                    "that --only leaves out (marked as carried, not re-run)")
    a = ap.parse_args()

    mutants = parse_mutants(a.mutants)
    if a.merge:
        parts = [read_report(p) for p in a.merge]
        rows = []
        for m in mutants:
            got = [p[m["id"]] for p in parts if p.get(m["id"], ("NOT-RUN",))[0] != "NOT-RUN"]
            if got:
                rows.append((m, got[0][0], got[0][1], 0))
        return finish(a, write_report(a, rows, [], mutants, time.time()))
    carried = []
    if a.only:
        keep = set(a.only.split(","))
        if len(keep) != len(a.only.split(",")):
            sys.exit("--only names a mutant twice")
        unknown = keep - {m["id"] for m in mutants}
        if unknown:
            sys.exit("unknown mutant ids: " + ", ".join(sorted(unknown)))
        if a.carry:
            old = read_report(a.carry)
            for m in mutants:
                if m["id"] not in keep:
                    if m["id"] not in old:
                        sys.exit("%s: not in %s" % (m["id"], a.carry))
                    verdict, detail = old[m["id"]]
                    carried.append((m, verdict, "(carried from %s, not re-run) %s"
                                    % (os.path.basename(a.carry), detail), 0))
        wanted = a.only.split(",")
        by_id = {m["id"]: m for m in mutants}
        mutants = [by_id[i] for i in wanted]
    if a.jobs < 1:
        sys.exit("--jobs must be at least 1")
    trees = [os.path.join(a.work, "tree%d" % k) for k in range(a.jobs)]
    for t in trees:
        copy_tree(t)
    tree = trees[0]
    listed = {u: fn_list(tree, UNITS[u][1]) for u in UNITS}
    sources = {u: make_var(tree, UNITS[u][3]) for u in UNITS}

    # The unmutated tree must compile (and the harness reads the same files).
    err = compiles(tree, sorted({s for u in UNITS for s in sources[u]}))
    if err:
        sys.exit("unmutated tree does not compile: " + err)

    rows, start = [], time.time()
    free_trees = queue.Queue()
    for t in trees:
        free_trees.put(t)
    lock = threading.Lock()

    def run_mutant(m):
        tree = free_trees.get()
        try:
            row = mutate_and_run(a, m, tree, listed, sources)
        finally:
            free_trees.put(tree)
        with lock:
            rows.append(row)
            print("%-40s %-8s %s" % (m["id"], row[1], row[2]), flush=True)
            write_report(a, rows, carried, mutants, start)

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for done in [pool.submit(run_mutant, m) for m in mutants]:
            done.result()
    return finish(a, write_report(a, rows, carried, mutants, start))


def mutate_and_run(a, m, tree, listed, sources):
    """Apply mutant m in the scratch copy tree, run its unit there, restore."""
    path = os.path.join(tree, m["file"])
    # the scratch copy is the pristine source: the worktree may change
    # while the harness runs
    with open(path) as f:
        original = f.read()
    count = original.count(m["old"])
    if count != 1:
        return (m, "ERROR", "old text occurs %d times in %s" % (count, m["file"]), 0)
    t0 = time.time()
    with open(path, "w") as f:
        f.write(original.replace(m["old"], m["new"]))
    try:
        err = compiles(tree, sources[m["unit"]])
        if err:
            verdict, detail = "ERROR", "does not compile: " + err
        elif not a.full and m["function"] not in listed[m["unit"]]:
            verdict, detail = ("SURVIVED", "%s is not in %s: no goal reads its body "
                               "(its contract, if any, is assumed)"
                               % (m["function"], UNITS[m["unit"]][1]))
        else:
            verdict, detail = run_unit(tree, m["unit"], None if a.full else m["function"],
                                       a.timeout)
    finally:
        with open(path, "w") as f:
            f.write(original)
    return (m, verdict, detail, time.time() - t0)


def write_report(a, rows, carried, mutants, start):
    """Rewrite the report with every verdict so far (the run may be stopped)."""
    done = {r[0]["id"] for r in rows}
    pending = [(m, "NOT-RUN", "the run stopped before this mutant", 0)
               for m in mutants if m["id"] not in done]

    order = {m["id"]: k for k, m in enumerate(parse_mutants(a.mutants))}
    rows = sorted(rows + carried + pending, key=lambda r: order[r[0]["id"]])
    killed = sum(1 for r in rows if r[1] == "KILLED")
    survived = sum(1 for r in rows if r[1] == "SURVIVED")
    errors = sum(1 for r in rows if r[1] == "ERROR")
    notrun = sum(1 for r in rows if r[1] == "NOT-RUN")
    with open(a.report, "w") as f:
        f.write("# proofs/mutants/report.txt: written by proofs/mutants/run.py%s\n"
                % (" --full" if a.full else ""))
        f.write("# %s UTC, %d mutants, %.0f s\n"
                % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), len(rows),
                   time.time() - start))
        if a.merge:
            f.write("# merged from %s (per mutant, the first of them that ran it)\n"
                    % ", ".join(os.path.basename(p) for p in a.merge))
        f.write("killed %d  survived %d  error %d  not run %d\n\n"
                % (killed, survived, errors, notrun))
        for m, verdict, detail, secs in rows:
            f.write("%-8s %-38s unit=%s fn=%s (%.0f s)\n" % (verdict, m["id"], m["unit"],
                                                            m["function"], secs))
            f.write("         formula: %s\n" % m["formula"])
            f.write("         %s\n" % ("why: " + detail if verdict != "KILLED" else detail))
            if verdict == "SURVIVED" and m.get("hidden_by"):
                f.write("         hidden by: %s\n" % m["hidden_by"])
    return killed, survived, errors, notrun


def finish(a, counts):
    killed, survived, errors, notrun = counts
    print("killed %d  survived %d  error %d  not run %d  (report: %s)"
          % (killed, survived, errors, notrun, a.report))
    return 0 if a.no_fail or (survived == 0 and errors == 0 and notrun == 0) else 1


if __name__ == "__main__":
    sys.exit(main())
