"""Attribution on real history we did not write: psf/requests (`../shared/datasets/repos/requests.git`).

    .venv/bin/python -m benchmarks.attribution_real          # the figures (also part of `make bench`)
    tests/attribution/test_requests_history.py               # the same, asserted (skips without ../shared)

The repository: the shared bare clone, opened read-only through a throw-away repository whose object
store borrows it (`objects/info/alternates`; the shared copy has no `refs/` folder, so git does not
open it directly). Its default branch here is `refs/pull/7083/merge`, a real merge of a real pull
request whose history holds the 4 large blobs the clone lacks, so `hindsight commits` must degrade
per commit (one `git log --numstat` over it dies).

Crash reports: for real commits sampled from `main` (first-parent, seeded), real lines of the package's
own `.py` files at that commit — lines that can raise (a call, an index, an attribute), not blank,
comment, `def`/`class`/decorator or import lines — become frames with **basename-only** paths, the
line number and Sentry's 5 lines of context on each side; 3 frames per report, from up to 3 files.
Each report carries a version string in a real form for its commit (T = the nearest `v*` tag, d = the
distance, N = the next patch version, as setuptools-scm guesses it):

- naming the commit: `tag` (a tagged commit: `2.31.0`), setuptools-scm `N.devd+gHASH9` and
  `N.devd+gHASH7.d20260105`, versioneer `T+d.gHASH7`, `git describe` `vT-d-gHASH7` and `...-dirty`;
- not naming it: `N-dev`, `N.devd`, `N.dev+import`, and broken strings (`unknown`, `0.0.0`,
  `%(version)s`, `0+unknown`, `UNKNOWN`).

Reference: `git blame -w -L n,n` at the true commit and the true path, honouring the repository's
`.git-blame-ignore-revs` at that commit (as Hindsight does, and GitHub's blame view): the commit that
last changed the line. Figures: for reports whose version names the commit, resolved-and-same-commit /
reference-resolved (bar: all, 0 wrong); for the others, the share of reports placed by inference and
their frames' agreement with the reference (bar: most placed, 0 wrong). A frame is *wrong* when
Hindsight names a commit and it is not the reference's; one on the reference's commit at another path
(the file moved between the inferred and the true revision) is the same commit, counted apart too.

Speed on real history: the whole `attribute` run (`attribute_s`: resolution, revision inference, blame,
suspects) against the reference itself as the peer (`reference_blame_s`: one `git blame -w -L` per
frame, handed the true commit and path that Hindsight has to find), measured in the same run;
`attribute_speedup_vs_reference_blame` is their ratio.

A partial clone (`partial_clone`): the same reports read from a `--filter=blob:none` clone, before and
after the clone gets its objects (`evaluate_partial_clone`).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

DEFAULT_BRANCH = "refs/pull/7083/merge"  # a real PR merge whose history holds the blobs the clone lacks
HASH_FORMS = ("scm", "scm_dirty", "versioneer", "describe", "describe_dirty")
HASHLESS_FORMS = ("dev_suffix", "dev_n", "dev_local", "broken")
BROKEN = ("unknown", "0.0.0", "%(version)s", "0+unknown", "UNKNOWN")
_RAISING = re.compile(r"[(\[.]")
DEVELOPMENT_SEED = 14  # the sample looked at while the inference was built; figures use other seeds
HELD_OUT_SEED = 2026  # `make bench` (the test uses 7)
_NOT_A_CRASH = re.compile(r"^(#|def |class |@|import |from |\"\"\"|''')")


def _git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, check=True).stdout


def open_shared_repo(shared: Path, into: Path) -> Path:
    """A throw-away repository that reads the shared clone's objects and refs without writing to it."""
    src = shared / "repos" / "requests.git"
    repo = into / "requests.git"
    (repo / "objects" / "info").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "objects" / "info" / "alternates").write_text(str((src / "objects").resolve()) + "\n")
    (repo / "packed-refs").write_bytes((src / "packed-refs").read_bytes())
    (repo / "HEAD").write_bytes((src / "HEAD").read_bytes())
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True, capture_output=True)
    return repo


@dataclass
class Report:
    event_id: str
    commit: str
    form: str
    release: str
    frames: list[dict] = field(default_factory=list)


def _next_patch(version: str) -> str:
    parts = version.split(".")
    parts[-1] = str(int(re.match(r"\d+", parts[-1]).group()) + 1)
    return ".".join(parts)


def _release(form: str, commit: str, tag: str, distance: int, rng: random.Random) -> str:
    t = tag[1:]
    n = _next_patch(t)
    return {
        "tag": t,
        "scm": f"{n}.dev{distance}+g{commit[:9]}",
        "scm_dirty": f"{n}.dev{distance}+g{commit[:7]}.d20260105",
        "versioneer": f"{t}+{distance}.g{commit[:7]}",
        "describe": f"{tag}-{distance}-g{commit[:7]}",
        "describe_dirty": f"{tag}-{distance}-g{commit[:7]}-dirty",
        "dev_suffix": f"{n}-dev",
        "dev_n": f"{n}.dev{distance}",
        "dev_local": f"{n}.dev+import",
    }.get(form) or rng.choice(BROKEN)


def _package_files(repo: Path, commit: str) -> list[str]:
    names = _git(repo, "ls-tree", "-r", "-z", "--name-only", commit).decode().split("\0")
    return [
        p
        for p in names
        if p.endswith(".py") and re.match(r"^(src/)?requests/", p) and "/packages/" not in p
    ]


def _frames(repo: Path, commit: str, rng: random.Random, count: int = 3) -> list[dict]:
    files = _package_files(repo, commit)
    frames = []
    for path in rng.sample(files, min(len(files), count)):
        lines = _git(repo, "show", f"{commit}:{path}").decode("utf-8", "replace").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        cands = [
            i for i, t in enumerate(lines)
            if t.strip() and _RAISING.search(t) and not _NOT_A_CRASH.match(t.strip())
        ]  # fmt: skip
        if not cands:
            continue
        i = rng.choice(cands)
        base = path.rsplit("/", 1)[-1]
        frames.append({
            "filename": base, "abs_path": base, "lineno": i + 1, "context_line": lines[i],
            "pre_context": lines[max(0, i - 5) : i], "post_context": lines[i + 1 : i + 6],
            "true_path": path,
        })  # fmt: skip
    return frames


def make_reports(repo: Path, seed: int = DEVELOPMENT_SEED, commits: int = 40, tags: int = 10) -> list[Report]:
    """Reports from sampled real commits of `main` (see the module docstring)."""
    rng = random.Random(seed)
    history = _git(repo, "rev-list", "--first-parent", "main").decode().split()
    described = _git(repo, "describe", "--tags", "--long", "--match", "v*", "--always", *history[:2500])
    pairs = []
    for sha, d in zip(history[:2500], described.decode().split(), strict=True):
        m = re.match(r"^(v\d+(?:\.\d+)+)-(\d+)-g[0-9a-f]+$", d)
        if m:
            pairs.append((sha, m.group(1), int(m.group(2))))
    dev = [p for p in pairs if p[2] > 0]
    tagged = [p for p in pairs if p[2] == 0]
    reports = []
    for k, (sha, tag, distance) in enumerate(rng.sample(dev, commits)):
        for form in (rng.choice(HASH_FORMS), rng.choice(HASHLESS_FORMS)):
            frames = _frames(repo, sha, rng)
            if frames:
                eid = f"req-{k:03d}-{form}"
                reports.append(Report(eid, sha, form, _release(form, sha, tag, distance, rng), frames))
    for k, (sha, tag, _d) in enumerate(rng.sample(tagged, min(tags, len(tagged)))):
        frames = _frames(repo, sha, rng)
        if frames:
            reports.append(Report(f"req-tag-{k:03d}", sha, "tag", _release("tag", sha, tag, 0, rng), frames))
    return reports


def reference_blame(repo: Path, reports: list[Report]) -> dict[tuple[str, int], str]:
    """(event_id, frame_index) -> commit `git blame -w` names at the true commit and path."""
    out: dict[tuple[str, int], str] = {}
    ignore_files: dict[str, str | None] = {}
    with tempfile.TemporaryDirectory(prefix="hindsight-ref-") as tmp:
        for r in reports:
            if r.commit not in ignore_files:
                proc = subprocess.run(
                    ["git", "-C", str(repo), "show", f"{r.commit}:.git-blame-ignore-revs"],
                    capture_output=True,
                    check=False,
                )
                if proc.returncode == 0:
                    f = Path(tmp) / f"{r.commit}.ignore"
                    f.write_bytes(proc.stdout)
                    ignore_files[r.commit] = str(f)
                else:
                    ignore_files[r.commit] = None
            extra = ["--ignore-revs-file", ignore_files[r.commit]] if ignore_files[r.commit] else []
            for i, f in enumerate(r.frames):
                n = f["lineno"]
                blame = _git(repo, "blame", "-w", "--porcelain", *extra, "-L", f"{n},{n}", r.commit, "--", f["true_path"])
                out[(r.event_id, i)] = blame.split(b" ", 1)[0].decode()
    return out


def load_reports(con, reports: list[Report]) -> None:
    """Insert the reports as Sentry error events (frames outermost first) in one go."""
    ev = pl.DataFrame(
        [(r.event_id, r.release) for r in reports], schema={"event_id": pl.Utf8, "release": pl.Utf8}, orient="row"
    )
    rows = [
        (r.event_id, i, i == len(r.frames) - 1, f["filename"], f["abs_path"], f["lineno"], f["context_line"],
         f["pre_context"], f["post_context"])
        for r in reports
        for i, f in enumerate(r.frames)
    ]  # fmt: skip
    fr = pl.DataFrame(
        rows,
        schema={
            "event_id": pl.Utf8, "frame_index": pl.Int32, "is_innermost": pl.Boolean, "filename": pl.Utf8,
            "abs_path": pl.Utf8, "lineno": pl.Int32, "context_line": pl.Utf8,
            "pre_context": pl.List(pl.Utf8), "post_context": pl.List(pl.Utf8),
        },
        orient="row",
    )  # fmt: skip
    con.register("r_events", ev.to_arrow())
    con.register("r_frames", fr.to_arrow())
    con.execute("""
        INSERT INTO core.events (event_id, origin, platform, ts, release, exception_type, file_id, ingested_at)
        SELECT event_id, 'sentry', 'python', TIMESTAMP '2026-02-01 10:00:00', release, 'RequestException',
               'requests-eval', now()::TIMESTAMP FROM r_events;
        INSERT INTO core.exceptions (event_id, exception_index, is_main, type)
        SELECT event_id, 0, true, 'RequestException' FROM r_events;
        INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path,
                                 function, lineno, context_line, pre_context, post_context, in_app)
        SELECT event_id, 0, frame_index, is_innermost, filename, abs_path, 'f', lineno, context_line,
               pre_context, post_context, true FROM r_frames;
    """)
    con.unregister("r_events")
    con.unregister("r_frames")


def score(con, reports: list[Report], reference: dict) -> dict:
    got = {
        (e, i): row
        for e, i, *row in con.execute(
            "SELECT event_id, frame_index, status, reason, commit_sha, revision_how, repo_path FROM frame_attribution"
        ).fetchall()
    }
    named = {"frames": 0, "same": 0, "same_commit_other_path": 0, "wrong": 0, "unresolved": {}, "reports": 0}
    hashless = {"reports": 0, "placed": 0, "frames": 0, "same": 0, "same_commit_other_path": 0, "wrong": 0,
                "unresolved": {}, "by_form": {}}
    wrong_examples, other_path_examples = [], []
    for r in reports:
        group = named if r.form in ("tag", *HASH_FORMS) else hashless
        group["reports"] += 1
        placed = False
        for i, f in enumerate(r.frames):
            _status, reason, commit, how, path = got[(r.event_id, i)]
            group["frames"] += 1
            placed |= how == "inferred"
            if commit is None:
                group["unresolved"][reason] = group["unresolved"].get(reason, 0) + 1
            elif commit == reference[(r.event_id, i)]:
                group["same"] += 1
                if path != f["true_path"]:
                    group["same_commit_other_path"] += 1
                    other_path_examples.append({"event": r.event_id, "release": r.release, "path": path,
                                                "true_path": f["true_path"]})
            else:
                group["wrong"] += 1
                wrong_examples.append({"event": r.event_id, "release": r.release, "frame": i, "path": path,
                                       "true_path": f["true_path"], "got": commit, "reference": reference[(r.event_id, i)]})  # fmt: skip
        if group is hashless:
            hashless["placed"] += placed
            by = hashless["by_form"].setdefault(r.form, [0, 0])
            by[0] += placed
            by[1] += 1
    named["share_same"] = round(named["same"] / named["frames"], 4) if named["frames"] else None
    hashless["share_placed"] = round(hashless["placed"] / hashless["reports"], 4) if hashless["reports"] else None
    hashless["by_form"] = {k: f"{v[0]}/{v[1]}" for k, v in hashless["by_form"].items()}
    return {"naming_the_commit": named, "hashless_or_broken": hashless, "wrong_examples": wrong_examples[:10],
            "same_commit_other_path_examples": other_path_examples[:10]}


def _timed(fn, *args):
    """(fn(*args), seconds it took)."""
    started = time.perf_counter()
    return fn(*args), time.perf_counter() - started


def evaluate(shared: Path, *, seed: int = DEVELOPMENT_SEED, commits: int = 40, tags: int = 10) -> dict:
    """Build the reports, run `hindsight commits` + attribution on them, and score against the reference."""
    from models.attribution import attribute
    from models.config import Config, RepositoryConfig
    from models.history import ingest_repository
    from models.warehouse import connect

    with tempfile.TemporaryDirectory(prefix="hindsight-requests-") as tmp:
        tmp_path = Path(tmp)
        repo = open_shared_repo(shared, tmp_path)
        reports = make_reports(repo, seed=seed, commits=commits, tags=tags)
        reference, reference_s = _timed(reference_blame, repo, reports)
        cfg = RepositoryConfig(name="requests", path=repo, default_branch=DEFAULT_BRANCH, release_pattern="v{version}")
        con = connect(tmp_path / "w.duckdb")
        try:
            history, history_s = _timed(ingest_repository, con, cfg)
            load_reports(con, reports)
            result, attribute_s = _timed(attribute, con, Config(repositories=(cfg,)))
            figures = score(con, reports, reference)
        finally:
            con.close()
    figures.update(
        reports=len(reports),
        frames=sum(len(r.frames) for r in reports),
        history={k: history[k] for k in ("mode", "commits_total", "commits_degraded_total", "releases_total")},
        history_s=round(history_s, 2),
        attribute_s=round(attribute_s, 2),
        inferred_events=result["resolve"]["inferred_events"],
        # The peer on real history: one `git blame -w -L` per frame, handed the true commit and path
        # (Hindsight has to find both, inferring the revision of the hashless reports).
        reference_blame_s=round(reference_s, 2),
        attribute_speedup_vs_reference_blame=round(reference_s / attribute_s, 2),
    )
    return figures


def evaluate_partial_clone(shared: Path, *, seed: int = DEVELOPMENT_SEED, commits: int = 40, tags: int = 10) -> dict:
    """The same reports read from a `--filter=blob:none` clone of the repository (what CI checkouts and
    big monorepos use): every frame must stay unresolved for the right, retried reason (the blobs are
    absent, never fetched); then the clone gets its objects, and the next `commits` + `attribute` must
    give what a complete clone gives. The shared copy lacks 4 blobs, so git refuses a full refetch from
    it: the objects arrive through an alternate, which is how a completed clone looks to git (the
    commands that complete a real one are tested in tests/attribution/test_imperfect_repos.py)."""
    from models.attribution import attribute, unresolved_reasons
    from models.config import Config, RepositoryConfig
    from models.history import ingest_repository
    from models.warehouse import connect

    with tempfile.TemporaryDirectory(prefix="hindsight-requests-partial-") as tmp:
        tmp_path = Path(tmp)
        full = open_shared_repo(shared, tmp_path)
        reports = make_reports(full, seed=seed, commits=commits, tags=tags)
        reference = reference_blame(full, reports)
        clone = tmp_path / "partial.git"
        subprocess.run(["git", "clone", "-q", "--mirror", "--filter=blob:none", "--upload-pack",
                        "git -c uploadpack.allowFilter=true upload-pack", f"file://{full}", str(clone)],
                       check=True, capture_output=True)  # fmt: skip
        cfg = RepositoryConfig(name="requests", path=clone, default_branch=DEFAULT_BRANCH, release_pattern="v{version}")
        config = Config(repositories=(cfg,))
        con = connect(tmp_path / "w.duckdb")
        try:
            partial_history, partial_history_s = _timed(ingest_repository, con, cfg)
            load_reports(con, reports)
            _, partial_attribute_s = _timed(attribute, con, config)
            partial = {"outcomes": unresolved_reasons(con), "score": score(con, reports, reference)}
            alternates = clone / "objects" / "info" / "alternates"
            alternates.write_text((shared / "repos" / "requests.git" / "objects").resolve().as_posix() + "\n")
            repaired, repair_s = _timed(ingest_repository, con, cfg)
            again, again_s = _timed(attribute, con, config)
            completed = {"outcomes": unresolved_reasons(con), "score": score(con, reports, reference)}
        finally:
            con.close()

    def brief(got: dict) -> dict:
        named, hashless = got["score"]["naming_the_commit"], got["score"]["hashless_or_broken"]
        return {"outcomes": got["outcomes"],
                "naming_the_commit": {k: named[k] for k in ("frames", "same", "wrong")},
                "hashless_or_broken": {k: hashless[k] for k in ("reports", "placed", "frames", "same", "wrong")}}

    return {
        "partial": {**brief(partial), "commits_degraded": partial_history["commits_degraded_total"],
                    "history_s": round(partial_history_s, 2), "attribute_s": round(partial_attribute_s, 2)},
        "completed": {**brief(completed), "commits_repaired": repaired["commits_repaired"],
                      "commits_degraded": repaired["commits_degraded_total"], "repair_ingest_s": round(repair_s, 2),
                      "events_retried": again["resolve"]["events"], "attribute_s": round(again_s, 2)},
    }  # fmt: skip


def run() -> dict:
    import os

    root = Path(__file__).resolve().parents[1]
    shared = Path(os.environ.get("HINDSIGHT_SHARED_DATASETS", root.parent / "shared" / "datasets"))
    if not (shared / "repos" / "requests.git").exists():
        return {"skipped": f"{shared}/repos/requests.git not found (the project runs without ../shared)"}
    figures = evaluate(shared, seed=HELD_OUT_SEED, commits=60, tags=15)
    figures["partial_clone"] = evaluate_partial_clone(shared, seed=HELD_OUT_SEED, commits=60, tags=15)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))
