"""Build details (issue 16 item 7): bht.pc follows PREFIX from one make run to
the next, and the static link line names each library once."""
import os
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def make_pc(build, prefix):
    subprocess.run(["make", "-s", "-C", ROOT, "BUILD=" + build, build + "/bht.pc",
                    "PREFIX=" + prefix], check=True, capture_output=True)
    with open(os.path.join(build, "bht.pc")) as f:
        return f.read()


def test_pc_follows_prefix_and_links_each_library_once(tmp_path):
    build = str(tmp_path / "build")
    assert "prefix=/opt/first\n" in make_pc(build, "/opt/first")
    assert "prefix=/opt/second\n" in make_pc(build, "/opt/second")
    env = dict(os.environ, PKG_CONFIG_PATH=build)
    libs = subprocess.run(["pkg-config", "--static", "--libs", "bht"], env=env, check=True,
                          capture_output=True, text=True).stdout.split()
    assert libs[0] == "-L/opt/second/lib" and "-lbht" in libs
    flags = [x for x in libs if x.startswith("-l")]
    assert len(flags) == len(set(flags)), libs
    assert {"-lmpfr", "-lgmp", "-lm"} <= set(flags)
