"""`bht CMD --help`, the man page (src/cli/bht.1) and the README's command
table describe the same options (issue 16 item 10).  For every command:

- the options named anywhere in `bht CMD --help` and in the man page's entries
  for CMD are the same (apart from the common options, which the man page
  describes once under COMMON OPTIONS and the README in its options table);
- the synopses (help's usage lines, the man page's entry headings, the
  README table's first column) name the same options, and each option is
  required (outside brackets) or optional (inside) in the same way: e.g.
  `-s FILE` is optional for `nu --leverage` and `distance --leverage`.
"""
import os
import re
import subprocess

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CLI = os.environ.get("BHT", os.path.join(ROOT, "build", "bht"))

COMMANDS = ["softmax", "leverage", "distance", "lemma-a1", "nu", "plan", "simulate",
            "regression", "golden", "check", "eval", "claims", "demo"]
# Described once for all commands (man page: COMMON OPTIONS; README: the
# options table and the paragraph under it; both tested by test_docs.py).
COMMON = {"--oracle", "--precision-cap", "--hex", "--json", "--help", "-h",
          "--delimiter", "--skip-rows"}
OPTION = re.compile(r"(?<![\w{^-])(--[a-z][a-z0-9-]*|-[A-Za-z])(?![\w-])")


def options(text):
    return set(OPTION.findall(text))


def states(synopses):
    """option -> {'required', 'optional'} over the given synopsis lines."""
    out = {}
    for line in synopses:
        depth = 0
        for m in re.finditer(r"\[|\]|" + OPTION.pattern, line):
            tok = m.group(0)
            if tok == "[":
                depth += 1
            elif tok == "]":
                depth -= 1
            else:
                out.setdefault(tok, set()).add("optional" if depth else "required")
    return {k: v for k, v in out.items() if k not in COMMON}


def help_text(command):
    r = subprocess.run([CLI, command, "--help"], capture_output=True, text=True)
    assert r.returncode == 0, (command, r.stderr)
    return r.stdout


def help_synopses(text):
    lines = []
    for line in text.split("\n\n")[0].splitlines():
        s = line.strip()
        if s.startswith("usage:"):
            s = s[len("usage:"):].strip()
        if s.startswith("bht "):
            lines.append(s)
        elif lines:
            lines[-1] += " " + s
    return lines


def man_entries():
    """command -> (synopsis lines, full text) from the man page's COMMANDS."""
    with open(os.path.join(ROOT, "src", "cli", "bht.1")) as f:
        man = f.read()
    body = man.split(".SH COMMANDS")[1].split("\n.SH ")[0]
    out = {}
    for entry in re.split(r"^\.TP\n", body, flags=re.M)[1:]:
        lines = entry.splitlines()
        heads = [lines[0]] + [lines[i + 1] for i, l in enumerate(lines[:-1]) if l == ".TQ"]
        heads = [h[len(".B "):].replace("\\-", "-") for h in heads]
        command = heads[0].split()[0]
        text = re.sub(r"^\.[A-Z]+ ?", "", entry, flags=re.M).replace("\\-", "-")
        syn, full = out.setdefault(command, ([], []))
        syn.extend(heads)
        full.append(text)
    return {c: (s, "\n".join(t)) for c, (s, t) in out.items()}


def readme_synopses():
    """command -> synopsis code spans of the README's command table."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    table = text.split("| command | computes | double budget |")[1].split("\n\n")[0]
    out = {}
    for row in table.strip().splitlines()[1:]:
        first = row.strip("|").replace("\\|", "\x00").split("|")[0].replace("\x00", "|")
        command = None
        for span in re.findall(r"`([^`]*)`", first):
            if span.startswith("bht "):
                command = span.split()[1]
            out.setdefault(command, []).append(span)
    return out


MAN = man_entries()
README = readme_synopses()


def test_every_command_documented():
    assert sorted(MAN) == sorted(COMMANDS)
    assert sorted(README) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_and_man_name_the_same_options(command):
    helptext = help_text(command)
    h = options(helptext) - COMMON
    m = options(MAN[command][1]) - COMMON
    assert h - m == set(), "in --help, not in the man page"
    assert m - h == set(), "in the man page, not in --help"


@pytest.mark.parametrize("command", COMMANDS)
def test_synopses_agree(command):
    h = states(help_synopses(help_text(command)))
    m = states(MAN[command][0])
    r = states(README[command])
    assert h == m, ("--help vs man page", h, m)
    assert h == r, ("--help vs README", h, r)


def test_leverage_query_optional():
    """The case the issue names: no -s means all ones."""
    for command in ("nu", "distance"):
        for source in (help_synopses(help_text(command)), MAN[command][0],
                       README[command]):
            lines = [s for s in source if "--leverage" in s and "--sup" not in s]
            assert lines, (command, source)
            for line in lines:
                assert states([line]).get("-s") == {"optional"}, (command, line)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag,arg", [("--precision-cap", "100"), ("--delimiter", ","),
                                      ("--skip-rows", "0")])
def test_common_option_named_iff_accepted(command, flag, arg):
    """The common options the README's options table does not cover: a
    command accepts one exactly when its --help names it."""
    r = subprocess.run([CLI, command, flag, arg, "--help"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    accepted = "unknown option '%s'" % flag not in r.stderr
    assert accepted == (flag in help_text(command)), (command, flag, r.stderr)
