#!/usr/bin/env python3
"""Make WP's cached prover timeouts reusable (Frama-C 25).

WP reuses a cached `timeout` only if its recorded time reaches the current
limit (ProverWhy3.promote).  Frama-C 25 records cvc5's timeouts at the 2 s
smoke-test limit with a time of 1.0, 2. or none, and does not read a time
written as "2." back; so every smoke test on which cvc5 gives up was re-run
on every replay (root unit: 131-166 runs of 2 s).  A timeout entry is only
ever obtained with the limit of its goal (2 s for a smoke test, the unit's
-wp-timeout otherwise), so recording at least the smoke limit is exact for
smoke tests and changes nothing for ordinary goals: their limit is larger,
so their timeouts are re-run as before.

Usage: wp_cache_fix.py SMOKE_TIMEOUT CACHE_DIR...
"""
import json
import os
import sys


def fix(path, smoke):
    with open(path) as f:
        text = f.read()
    try:
        entry = json.loads(text.replace('. }', '.0 }').replace('., ', '.0, '))
    except ValueError:
        return False
    if entry.get('verdict') == 'timeout' and entry.get('time', 0.0) < smoke:
        entry['time'] = float(smoke)
    out = '{ ' + ', '.join('"%s": %s' % (k, json.dumps(v)) for k, v in entry.items()) + ' }\n'
    if out != text:
        with open(path, 'w') as f:
            f.write(out)
        return True
    return False


def main():
    smoke = float(sys.argv[1])
    changed = 0
    for d in sys.argv[2:]:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith('.json'):
                changed += fix(os.path.join(d, name), smoke)
    return 0


if __name__ == '__main__':
    sys.exit(main())
