#!/usr/bin/env python3
"""Check a Frama-C WP JSON report (-wp-report-json) against the baseline.

Fails (exit 1) when
  * any goal, lemma or smoke test is not Valid (for a smoke test, WP's JSON
    records "valid" when the smoke test passed, i.e. the provers could NOT
    derive false from the contract; a failed smoke test is "unknown");
  * the WP log mentions a failed smoke test or an unproved goal;
  * the set of goals or their status differs from the committed baseline
    (new goals, removed goals and changed statuses are all listed).

With --write-baseline the baseline is rewritten from the report instead of
compared (only when every goal is Valid).  Standard library only.
"""
import argparse
import json
import re
import sys

# Order in which the prover credited with a goal is chosen.
PROVERS = ["qed", "Gappa", "CVC5", "Z3"]
BAD_STATUSES = ["failed", "unknown", "timeout", "stepout", "error", "invalid",
                "incomplete", "computing", "noresult"]


def prover_family(key):
    return key.split(":")[0]


def goal_status(entry):
    main = entry.get("wp:main", {})
    total = main.get("total", 0)
    if total > 0 and main.get("valid", 0) == total:
        return "Valid"
    for bad in BAD_STATUSES:
        if main.get(bad, 0):
            return bad.capitalize()
    return "Missing"


def goal_prover(entry):
    valid_by = [k for k, v in entry.items()
                if k != "wp:main" and isinstance(v, dict) and v.get("valid", 0)]
    for family in PROVERS:
        for k in valid_by:
            if prover_family(k) == family:
                return family
    return valid_by[0] if valid_by else "-"


def collect(report):
    """(section, goal) -> (status, prover) for every goal of the report."""
    goals = {}
    for top in ("wp:functions", "wp:axiomatics"):
        for section, entries in report.get(top, {}).items():
            for name, entry in entries.items():
                if name == "wp:section" or not isinstance(entry, dict):
                    continue
                smoke = "_wp_smoke_" in name
                status = goal_status(entry)
                if smoke:
                    prover = "smoke"
                    if status == "Valid":
                        status = "Passed"
                    else:
                        status = "SmokeFailed"
                else:
                    prover = goal_prover(entry)
                label = section if top == "wp:functions" else "lemma:" + section
                if smoke:
                    # Smoke tests are named after statement ids (_s123), which
                    # move whenever unrelated code changes: keep one entry per
                    # kind with a count, so the baseline does not churn.
                    name = re.sub(r"_s\d+$", "", name)
                    old = goals.get((label, name))
                    count = int(old[0].split("x")[-1]) + 1 if old else 1
                    ok = status == "Passed" and (old is None or old[0].startswith("Passed"))
                    status = ("Passed" if ok else "SmokeFailed") + "x%d" % count
                goals[(label, name)] = (status, prover)
    return goals


def is_ok(status):
    return status == "Valid" or status.startswith("Passedx")


def read_baseline(path):
    base = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                section, name, status = line.split()
                base[(section, name)] = status
    except FileNotFoundError:
        return None
    return base


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", required=True)
    ap.add_argument("--log")
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--summary")
    ap.add_argument("--write-baseline", action="store_true")
    args = ap.parse_args()

    with open(args.report) as f:
        goals = collect(json.load(f))
    problems = []
    if not goals:
        problems.append("the report holds no goal at all")

    bad = sorted((k, v) for k, v in goals.items() if not is_ok(v[0]))
    for (section, name), (status, _) in bad:
        problems.append("NOT PROVED  %-28s %-60s %s" % (section, name, status))

    if args.log:
        with open(args.log) as f:
            part = None
            for line in f:
                m = re.match(r"\[bht\] part (\w+)", line)
                if m:
                    part = m.group(1)
                # the smoke run's assigns goals only make WP visit every
                # function (proofs/wp.mk, WP_SMOKE_ONLY); the goal runs prove them
                if part == "smoke" and re.search(r"\[Failed\] Goal \w+_assigns", line):
                    continue
                if re.search(r"Failed smoke-test|\[Failed\] Goal|Smoke-test .*: Failed"
                             r"|annot-error|implicit-function-declaration|User Error|Fatal error", line):
                    problems.append("LOG  " + line.rstrip())

    # Goals per prover (smoke tests counted apart).
    per_prover = {}
    for (_, _), (status, prover) in goals.items():
        if status == "Valid":
            per_prover[prover] = per_prover.get(prover, 0) + 1
    smoke = sum(int(v[0].split("x")[-1]) for v in goals.values() if v[1] == "smoke")
    smoke_passed = sum(int(v[0].split("x")[-1]) for v in goals.values()
                       if v[1] == "smoke" and v[0].startswith("Passedx"))
    proved = sum(1 for v in goals.values() if v[0] == "Valid")
    obligations = sum(1 for v in goals.values() if v[1] != "smoke")

    lines = ["# WP proof summary (generated by proofs/check_report.py)",
             "goals (not counting smoke tests): %d, proved: %d" % (obligations, proved),
             "smoke tests: %d, passed: %d" % (smoke, smoke_passed),
             "", "goals per prover (the first prover of qed, Gappa, CVC5, Z3 that proved it):"]
    for family in PROVERS + sorted(set(per_prover) - set(PROVERS) - {"smoke"}):
        lines.append("  %-6s %5d" % (family, per_prover.get(family, 0)))
    lines.append("")
    by_section = {}
    for (section, name), (status, prover) in goals.items():
        by_section.setdefault(section, []).append((name, status, prover))
    lines.append("per function: proof goals, proved (smoke tests not counted)")
    for section in sorted(by_section):
        entries = [e for e in by_section[section] if e[2] != "smoke"]
        lines.append("  %-28s %4d %4d" % (section, len(entries),
                                          sum(1 for e in entries if e[1] == "Valid")))
    lines.append("")
    lines.append("per goal: function, goal, status, prover")
    for section in sorted(by_section):
        for name, status, prover in sorted(by_section[section]):
            lines.append("  %-28s %-64s %-11s %s" % (section, name, status, prover))
    summary = "\n".join(lines) + "\n"
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(summary)
    print("\n".join(lines[:lines.index("per goal: function, goal, status, prover")]))

    if args.write_baseline:
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print("proofs: refusing to write a baseline with problems", file=sys.stderr)
            return 1
        with open(args.baseline, "w") as f:
            f.write("# WP goals and their expected status: function goal status.\n")
            f.write("# Regenerate intentionally with `make proofs-baseline` and review the diff.\n")
            for (section, name), (status, _) in sorted(goals.items()):
                f.write("%s %s %s\n" % (section, name, status))
        print("proofs: baseline %s written (%d entries)" % (args.baseline, len(goals)))
        return 0

    base = read_baseline(args.baseline)
    if base is None:
        problems.append("no baseline %s (run `make proofs-baseline`)" % args.baseline)
    else:
        current = {k: v[0] for k, v in goals.items()}
        for k in sorted(set(current) - set(base)):
            problems.append("NEW GOAL    %-28s %-60s %s" % (k[0], k[1], current[k]))
        for k in sorted(set(base) - set(current)):
            problems.append("REMOVED     %-28s %-60s (was %s)" % (k[0], k[1], base[k]))
        for k in sorted(set(base) & set(current)):
            if base[k] != current[k]:
                problems.append("CHANGED     %-28s %-60s %s -> %s"
                                % (k[0], k[1], base[k], current[k]))

    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("proofs: FAILED (%d problem(s)); see %s" % (len(problems), args.summary or args.report),
              file=sys.stderr)
        return 1
    print("proofs: OK, %d goals Valid, %d smoke tests passed, baseline matches" % (proved, smoke))
    return 0


if __name__ == "__main__":
    sys.exit(main())
