#!/bin/sh
# proofs/gappa_cpu_limit.sh: Gappa under a CPU-time limit, the Gappa command
# of the generated proofs/why3.conf (proofs/wp.mk).  Why: WP gives every
# prover the same -wp-timeout (10 s); Gappa's slowest proof here takes 3.6 s,
# and on the goals it cannot prove it ran to 10 s before cvc5 got them.  CPU
# time, not wall-clock time, so that load cannot make a proof fail.  When the
# limit stops Gappa, the "Error:" line makes Why3 report a failure, and WP
# tries the next prover of the list.
limit=${BHT_GAPPA_CPU_LIMIT:-5}
ulimit -t "$limit" || exit 1
gappa "$@"
rc=$?
if [ "$rc" -gt 128 ]; then
  echo "Error: Gappa stopped by bht's CPU-time limit of $limit s (signal $((rc - 128)))"
fi
exit "$rc"
