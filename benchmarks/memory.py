"""Peak resident memory of the current process, as the benchmarks report it.

Why not `resource.getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries the high-water mark across
fork + exec, so a fresh `python -c ...` child reports at least the RSS its parent had when it forked (a
child of a 1.5 GB benchmark process said 1.5 GB after using 14 MB). `VmHWM` in /proc/self/status belongs
to the process's own address space, which exec replaces, so it is the child's own peak.
"""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """This process's peak RSS in MB (VmHWM; ru_maxrss where /proc is absent)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
