#!/usr/bin/env python3
"""Merge the Frama-C WP JSON reports of the runs of one proof unit.

Usage: merge_reports.py OUT IN...

A unit whose functions are split between a run with Gappa and a run without
(PREFIX_GAPPA_FUNCTIONS, proofs/wp.mk) writes one -wp-report-json per run;
check_report.py and the mutants harness read one report.
  * "wp:functions": the runs select disjoint functions, so a function in two
    inputs is an error;
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


def merge(merged, report, path):
    for top, sections in report.items():
        if top == "wp:functions":
            into = merged.setdefault(top, {})
            for name, entries in sections.items():
                if name in into:
                    sys.exit("merge_reports.py: function %s in two runs (%s)" % (name, path))
                into[name] = entries
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
    for path in argv[2:]:
        with open(path) as f:
            merge(merged, json.load(f), path)
    with open(out + ".tmp", "w") as f:
        json.dump(merged, f, indent=1, sort_keys=True)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv)
