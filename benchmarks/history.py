"""History benchmark: ingest a generated 10k-commit repository (bars: full < 30 s, no-op re-run < 2 s).

The repository is written with one `git fast-import` stream (a few seconds), with several human
authors, a planted AI marker (every marker example of the shipped marker file, in turn) on every 7th
commit, and a release tag every 250 commits. Figures: full ingest, no-op re-run, an incremental run
over 100 new commits, and the classification score against the planted markers.

    .venv/bin/python -m benchmarks.run history
"""

from __future__ import annotations

import random
import subprocess
import tempfile
import time
from pathlib import Path

from models.config import RepositoryConfig
from models.history import ingest_repository, load_markers
from models.warehouse import connect

HUMANS = [
    ("Alice Example", "alice@example.com"),
    ("Bob Builder", "bob@example.com"),
    ("Chen Wei", "chen@example.com"),
]
FILES = [f"src/shop/{pkg}/mod_{i}.py" for pkg in ("http", "orders", "db", "worker") for i in range(50)]
START = 1_600_000_000


def _planted(markers):
    """(target, example text, tool, origin) for every example of every marker."""
    out = []
    for m in markers.markers:
        origin = "ai_authored" if m.meaning == "ai_authored" else "ai_committed_only"
        out += [(m.target, ex, m.tool, origin) for ex in m.examples]
    return out


def _ident(text: str) -> tuple[str, str]:
    name, _, email = text.rpartition(" <")
    return name, email.rstrip(">")


def generate_repo(path: Path, n_commits: int, *, seed: int = 7, start: int = 0, markers=None) -> dict:
    """Append `n_commits` commits to `path` (created if needed) with git fast-import; returns ground truth."""
    rng = random.Random(seed + start)
    markers = markers or load_markers()
    planted = _planted(markers)
    if not (path / ".git").exists():
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    contents = {f: [f"# {f}\n"] + [f"value_{j} = {j}\n" for j in range(30)] for f in FILES}
    truth: dict[str, tuple[str, str]] = {}  # mark -> (tool, origin)
    chunks: list[bytes] = []

    def data(b: bytes) -> None:
        chunks.append(b"data %d\n" % len(b) + b + b"\n")

    for k in range(start, start + n_commits):
        author = committer = "{} <{}>".format(*HUMANS[k % len(HUMANS)])
        message = f"Change {k}: adjust {rng.choice(FILES)}\n\nRefs #{k}. Reviewed with the team.\n"
        if k % 7 == 3:
            target, text, tool, origin = planted[(k // 7) % len(planted)]
            if target == "author":
                author = text
            elif target == "committer":
                committer = text
            elif text.startswith("aider: "):
                message = text + "\n"
            else:
                message = f"Change {k}\n\nSome description.\n\n{text}\n"
            truth[f":{k + 1}"] = (tool, origin)
        when = START + k * 600
        chunks.append(f"commit refs/heads/main\nmark :{k + 1}\n".encode())
        chunks.append(f"author {author} {when} +0000\ncommitter {committer} {when} +0000\n".encode())
        data(message.encode())
        if k > 0:
            chunks.append(f"from :{k}\n".encode() if k > start else b"from refs/heads/main^0\n")
        for f in rng.sample(FILES, rng.randint(1, 3)):
            lines = contents[f]
            lines[rng.randrange(1, len(lines))] = f"value_{k} = {rng.random()!r}\n"
            lines.append(f"extra_{k} = {k}\n")
            chunks.append(f"M 100644 inline {f}\n".encode())
            data("".join(lines).encode())
        if (k + 1) % 250 == 0:
            chunks.append(f"reset refs/tags/v1.{(k + 1) // 250}.0\nfrom :{k + 1}\n".encode())
    marks = path / ".git" / "bench-marks"
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet", f"--export-marks={marks}"],
        input=b"".join(chunks),
        check=True,
    )
    sha_of = dict(line.split() for line in marks.read_text().splitlines())
    return {sha_of[m]: v for m, v in truth.items()}


def run(n_commits: int = 10_000) -> dict:
    markers = load_markers()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        truth = generate_repo(tmp / "repo", n_commits, markers=markers)
        generate_s = time.perf_counter() - t0
        cfg = RepositoryConfig(name="bench", path=tmp / "repo", release_pattern="v{version}")
        con = connect(tmp / "warehouse.duckdb")
        t0 = time.perf_counter()
        full = ingest_repository(con, cfg, markers)
        full_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        noop = ingest_repository(con, cfg, markers)
        noop_s = time.perf_counter() - t0
        truth.update(generate_repo(tmp / "repo", 100, start=n_commits, markers=markers))
        t0 = time.perf_counter()
        incr = ingest_repository(con, cfg, markers)
        incr_s = time.perf_counter() - t0
        got = {
            sha: (tool, origin)
            for sha, tool, origin in con.execute(
                "SELECT sha, ai_tool, origin FROM core.commit_ai WHERE repo = 'bench'"
            ).fetchall()
        }
        con.close()
    ai = {s for s, (_, o) in got.items() if o != "unknown/human"}
    return {
        "commits": full["commits_total"] + incr["commits_new"],
        "generate_s": round(generate_s, 2),
        "full_ingest_s": round(full_s, 2),
        "full_ingest_commits_per_s": round(full["commits_new"] / full_s),
        "noop_rerun_s": round(noop_s, 3),
        "noop_mode": noop["mode"],
        "incremental_100_s": round(incr_s, 3),
        "incremental_new": incr["commits_new"],
        "releases": incr["releases_total"],
        "planted_ai": len(truth),
        "detected_right_tool_and_origin": sum(got.get(s) == v for s, v in truth.items()),
        "false_positive_ai": len(ai - truth.keys()),
        "bar_full_lt_30s": full_s < 30,
        "bar_noop_lt_2s": noop_s < 2,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
