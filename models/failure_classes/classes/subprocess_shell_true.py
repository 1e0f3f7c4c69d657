# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import os
import subprocess


def convert(src, dst):
    # ruleid: hindsight.catalog.subprocess_shell_true
    subprocess.run(f"convert {src} {dst}", shell=True, check=True)
    # ruleid: hindsight.catalog.subprocess_shell_true
    subprocess.check_output("ls " + dst, shell=True)
    # ok: hindsight.catalog.subprocess_shell_true
    subprocess.run(["convert", src, dst], check=True)
    # ok: hindsight.catalog.subprocess_shell_true
    subprocess.run(["ls"], shell=False)


def look_alikes(cmd, env):
    # os.system / os.popen are the ruff part's banned APIs (TID251): reported there, once.
    # ok: hindsight.catalog.subprocess_shell_true
    os.system("rm -f tmp")
    # ok: hindsight.catalog.subprocess_shell_true
    subprocess.run(cmd, shell=False, env=env, check=True)
    # ok: hindsight.catalog.subprocess_shell_true
    return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True)
