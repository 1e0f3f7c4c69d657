# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
import os
import subprocess


def convert(src, dst):
    # ruleid: hindsight.catalog.subprocess_shell_true
    subprocess.run(f"convert {src} {dst}", shell=True, check=True)
    # ruleid: hindsight.catalog.subprocess_shell_true
    os.system("rm -f " + dst)
    # ok: hindsight.catalog.subprocess_shell_true
    subprocess.run(["convert", src, dst], check=True)
    # ok: hindsight.catalog.subprocess_shell_true
    subprocess.run(["ls"], shell=False)
