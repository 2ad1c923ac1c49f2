"""The README's per-command option table agrees with the commands (issue 16
item 10): an option marked yes is accepted (`bht CMD FLAG --help` prints the
help, not an unknown-option error) and named in `bht CMD --help`, an
option marked no is refused as unknown; every command of the table appears in
the man page and in `bht --help`."""
import os
import re
import subprocess

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CLI = os.environ.get("BHT", os.path.join(ROOT, "build", "bht"))


def table():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    body = text.split("<!-- options-table -->")[1].split("<!-- /options-table -->")[0]
    rows = [line.strip("|").split("|") for line in body.strip().splitlines()[2:]]
    out = []
    for cells in rows:
        cells = [c.strip() for c in cells]
        for flag, mark in zip(("--oracle", "--hex", "--json"), cells[1:]):
            out.append((cells[0], flag, mark == "yes"))
    return out


ROWS = table()


def test_table_covers_every_command():
    listed = subprocess.run([CLI, "--help"], capture_output=True, text=True).stdout
    with open(os.path.join(ROOT, "src", "cli", "bht.1")) as f:
        man = f.read()
    commands = sorted({c for c, _, _ in ROWS})
    assert len(commands) == 13
    for c in commands:
        assert re.search(r"^\s+%s\s" % re.escape(c), listed, re.M), c
        assert re.search(r"^\.B %s\b" % re.escape(c.replace("-", "\\-")), man, re.M), c


@pytest.mark.parametrize("command,flag,accepted", ROWS,
                         ids=["%s %s" % (c, f) for c, f, _ in ROWS])
def test_option_accepted_as_documented(command, flag, accepted):
    helptext = subprocess.run([CLI, command, "--help"], capture_output=True, text=True).stdout
    r = subprocess.run([CLI, command, flag, "--help"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    unknown = "unknown option '%s'" % flag in r.stderr
    assert unknown != accepted, (command, flag, r.stderr)
    if accepted:
        assert flag in helptext, (command, flag)


def test_manifest_names_a_clean_commit():
    """golden/v1/manifest.json records the commit of the generator sources
    (`make golden`), never a `-dirty` working tree (issue 16 item 10)."""
    import json
    with open(os.path.join(ROOT, "golden", "v1", "manifest.json")) as f:
        describe = json.load(f)["generator"]["git_describe"]
    assert not describe.endswith("-dirty"), describe
    if os.path.isdir(os.path.join(ROOT, ".git")) or os.path.isfile(os.path.join(ROOT, ".git")):
        r = subprocess.run(["git", "-C", ROOT, "cat-file", "-t", describe.split("-g")[-1]],
                           capture_output=True, text=True)
        assert r.stdout.strip() == "commit", (describe, r.stderr)
