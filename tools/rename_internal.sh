#!/bin/sh
# tools/rename_internal.sh: give every external symbol of libbht.a that does
# not start with bht_ the internal prefix bht__ (issue 13: "every exported
# symbol starts with bht_, internal ones bht__ or static").
#
# Usage (from the repository root): tools/rename_internal.sh [--dry-run]
#
# The list is not hard-coded: the script builds build/libbht.a, reads its
# defined global symbols with nm, and renames those without the bht_ prefix
# in src/, tests/ (except tests/api, whose program deliberately defines the
# old names), spec/ and proofs/.  It is idempotent: renamed names start with
# bht__ and are not listed again, and a second run finds nothing to do.  Run
# it again after merging branches that add internal functions.
#
# Contexts renamed (so that struct fields, file names and prose are not):
#  - NAME followed by "(": calls, definitions, declarations, ACSL;
#  - for names with an underscore, also NAME as a value: followed by , ; ) }
#    [ or =, or at the end of a line (function tables, data objects, the
#    -wp-fct lists of proofs/*.mk);
# never NAME preceded by a letter, digit, _, ".", ">", "/", "-" or '"'
# (fields, paths, longer identifiers, strings).  In the WP baselines
# (proofs/baseline.txt, proofs/*/baseline.txt: "function goal status"), the
# function column and the goal names that start with NAME_ are renamed too,
# as WP derives them from the function names (re-run make proofs to check).
set -eu
cd "$(dirname "$0")/.."
dry=0
[ "${1-}" = "--dry-run" ] && dry=1

make -s build/libbht.a >/dev/null
names=$(nm -g --defined-only build/libbht.a | awk 'NF == 3 && $3 !~ /^bht_/ {print $3}' | sort -u)
if [ -z "$names" ]; then
    echo "rename_internal: every external symbol of libbht.a starts with bht_"
    exit 0
fi
echo "rename_internal: $(echo "$names" | wc -l) symbols:" $names
[ $dry = 1 ] && exit 0

script=$(mktemp)
trap 'rm -f "$script"' EXIT
pre='\(^\|[^A-Za-z0-9_.>/"-]\)'
for n in $names; do
    printf 's/%s%s\\([[:space:]]*(\\)/\\1bht__%s\\2/g\n' "$pre" "$n" "$n" >>"$script"
    case $n in
    *_*)
        printf 's/%s%s\\([,;)}[]\\|[[:space:]]*=[^=]\\|[[:space:]]*$\\)/\\1bht__%s\\2/g\n' \
            "$pre" "$n" "$n" >>"$script"
        ;;
    esac
done
files=$(git ls-files src tests spec proofs | grep -v '^tests/api/' |
        grep -E '\.(c|h|mk|sh|py|txt|md)$|Makefile$' || true)
# shellcheck disable=SC2086
sed -i -f "$script" $files
# WP baselines: "function goal status" lines.  The function column gets
# bht__; WP writes the goal names of bht__NAME as bht_NAME_... (it folds the
# double underscore), so goal names starting with NAME_ get bht_.
for f in $(git ls-files proofs | grep -E '(^|/)baseline\.txt$' || true); do
    awk -v names="$names" '
        BEGIN { n = split(names, a, /[ \n]+/); for (i = 1; i <= n; i++) is[a[i]] = 1 }
        NF < 2 { print; next }
        {
            out = ($1 in is) ? "bht__" $1 : $1
            for (k = 2; k <= NF; k++) {
                t = $k
                for (i = 1; i <= n; i++)
                    if (a[i] != "" && index(t, a[i] "_") == 1) { t = "bht_" t; break }
                out = out " " t
            }
            print out
        }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
echo "rename_internal: done; rebuild and run make test"
