#!/usr/bin/env python3
"""Merge the Frama-C WP JSON reports of the runs of one proof unit.

Usage: merge_reports.py OUT IN...   (IN: a report, or smoke:REPORT)

A unit proved in parts (proofs/wp.mk: the Gappa, solo and rest runs select
disjoint functions; the smoke run has the smoke tests of every function and
no proof goal) writes one -wp-report-json per run; check_report.py and the
mutants harness read one report.  Of an input given as smoke:REPORT only
the smoke tests are taken (the smoke run also selects the assigns goals, which
the goal runs prove; proofs/wp.mk, WP_SMOKE_ONLY).
  * "wp:functions": a function may come from several runs (its goals from a
    goal run, its smoke tests from the smoke run), but a goal in two inputs is
    an error; the per-function totals ("wp:section") are added;
  * "wp:axiomatics" (lemmas, proved by every run): a goal in several inputs
    keeps its worst result (an unproved lemma in any run stays unproved);
  * anything else ("wp:global", prover statistics): numbers are added.
Standard library only.
"""
import json
import os
import sys


def lemma_valid(entry):
    main = entry.get("wp:main", {}) if isinstance(entry, dict) else {}
    return main.get("total", 0) > 0 and main.get("valid", 0) == main.get("total", 0)


def add_numbers(into, more):
    for key, value in more.items():
        if isinstance(value, dict):
            add_numbers(into.setdefault(key, {}), value)
        elif isinstance(value, (int, float)) and isinstance(into.get(key, 0), (int, float)):
            into[key] = into.get(key, 0) + value
        else:
            into.setdefault(key, value)


def smoke_tests_only(report):
    functions = {}
    for name, entries in (report or {}).get("wp:functions", {}).items():
        tests = {g: e for g, e in entries.items() if "_wp_smoke_" in g}
        if tests:
            functions[name] = tests
    return {"wp:functions": functions}


def merge(merged, report, path):
    if report is None:  # WP writes null for a run without goals (a smoke run
        return          # of a unit that has lemmas only)
    for top, sections in report.items():
        if top == "wp:functions":
            into = merged.setdefault(top, {})
            for name, entries in sections.items():
                goals = into.setdefault(name, {})
                for goal, entry in entries.items():
                    if goal == "wp:section":
                        add_numbers(goals.setdefault(goal, {}), entry)
                    elif goal in goals:
                        sys.exit("merge_reports.py: goal %s of %s in two runs (%s)"
                                 % (goal, name, path))
                    else:
                        goals[goal] = entry
        elif top == "wp:axiomatics":
            into = merged.setdefault(top, {})
            for name, entries in sections.items():
                goals = into.setdefault(name, {})
                for goal, entry in entries.items():
                    if goal not in goals or not lemma_valid(entry):
                        goals[goal] = entry
        elif isinstance(sections, dict):
            add_numbers(merged.setdefault(top, {}), sections)
        else:
            merged.setdefault(top, sections)


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: merge_reports.py OUT IN...")
    out, merged = argv[1], {}
    for arg in argv[2:]:
        smoke = arg.startswith("smoke:")
        path = arg[len("smoke:"):] if smoke else arg
        with open(path) as f:
            report = json.load(f)
        merge(merged, smoke_tests_only(report) if smoke else report, path)
    with open(out + ".tmp", "w") as f:
        json.dump(merged, f, indent=1, sort_keys=True)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv)
