"""Build details (issue 16 item 7): bht.pc follows PREFIX from one make run to
the next, and the static link line names each library once."""
import os
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# The make calls below are independent runs: when pytest itself runs under
# make (make test, possibly with -j), the parent's MAKEFLAGS/MAKELEVEL would
# make them print "Entering directory" lines and share its job server.
MAKE_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def make_pc(build, prefix):
    subprocess.run(["make", "-s", "-C", ROOT, "BUILD=" + build, build + "/bht.pc",
                    "PREFIX=" + prefix], check=True, capture_output=True, env=MAKE_ENV)
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


def test_make_install_installs_a_working_package(tmp_path):
    prefix = str(tmp_path / "prefix")
    subprocess.run(["make", "-s", "-C", ROOT, "install", "PREFIX=" + prefix], check=True,
                   capture_output=True, env=MAKE_ENV)
    site = subprocess.run(["make", "-s", "-C", ROOT, "--no-print-directory", "-f", "-",
                           "print-site"], input="include Makefile\nprint-site:\n\t@echo "
                           "$(PYTHON_SITE)\n", text=True, capture_output=True,
                          env=dict(MAKE_ENV, PREFIX=prefix)).stdout.strip()
    assert site.startswith(prefix) and os.path.exists(os.path.join(site, "bht", "__init__.py"))
    env = {k: v for k, v in os.environ.items() if k not in ("BHT_LIBRARY", "PYTHONPATH")}
    env["PYTHONPATH"] = site
    code = ("import bht; print(bht._lib.lib._name); "
            "print(bht.lemma_a1(0.75, oracle=True).tvmax.hex())")
    out = subprocess.run(["/usr/bin/python3", "-c", code], cwd=str(tmp_path), env=env,
                         check=True, capture_output=True, text=True).stdout.split()
    assert out[0] == os.path.join(prefix, "lib", "libbht.so.0")
    cli = subprocess.run([os.path.join(prefix, "bin", "bht"), "lemma-a1", "--eps", "0.75",
                          "--oracle", "--hex"], capture_output=True, text=True).stdout
    assert float.fromhex(out[1]) == float.fromhex(cli.split("tvmax ")[1].split()[0])
