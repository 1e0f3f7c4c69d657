"""The Loghub-2k benchmark: the 10 systems' line formats and the GA / FGA / PA metrics.

Metrics follow the Loghub(-2.0) evaluator: GA = share of lines whose predicted group has exactly the
line set of their true group; FGA = F1 over groups (a predicted group is correct when its line set
equals a true group's); PA = share of lines whose predicted template equals the labelled one
(whitespace-collapsed).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

FORMATS = {
    "HDFS": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "Hadoop": "<Date> <Time> <Level> [<Process>] <Component>: <Content>",
    "Zookeeper": "<Date> <Time> - <Level>  [<Node>:<Component>@<Id>] - <Content>",
    "HPC": "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
    "Windows": "<Date> <Time>, <Level>                  <Component>    <Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "Android": "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
    "HealthApp": r"<Time>\|<Component>\|<Pid>\|<Content>",
    "OpenSSH": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
    "Mac": r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
}


def system_files(root: Path, system: str) -> tuple[Path, Path]:
    """(raw log, structured csv with the labels) of one Loghub-2k system."""
    base = Path(root) / system
    return base / f"{system}_2k.log", base / f"{system}_2k.log_structured.csv"


def read_truth(csv_path: Path) -> pl.DataFrame:
    return pl.read_csv(csv_path, infer_schema=False).select(
        pl.col("LineId").cast(pl.Int64), "EventId", "EventTemplate"
    )


def _norm(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(r"\s+", " ").str.strip_chars()


def score(pred: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """GA, FGA, PA of predictions (`LineId, EventId, EventTemplate`) against the labelled lines."""
    df = truth.rename({"EventId": "true_id", "EventTemplate": "true_tpl"}).join(
        pred.rename({"EventId": "pred_id", "EventTemplate": "pred_tpl"}), on="LineId", how="left"
    )
    if df["pred_id"].null_count():
        raise ValueError("predictions miss some LineIds")
    df = df.with_columns(pl.col("pred_id").cast(pl.Utf8), pl.col("true_id").cast(pl.Utf8))
    true_size = df.group_by("true_id").len("true_n")
    groups = (
        df.group_by("pred_id")
        .agg(pl.len().alias("n"), pl.col("true_id").n_unique().alias("k"), pl.col("true_id").first())
        .join(true_size, on="true_id")
        .with_columns(((pl.col("k") == 1) & (pl.col("n") == pl.col("true_n"))).alias("ok"))
    )
    n = df.height
    ga = groups.filter("ok")["n"].sum() / n
    correct = groups["ok"].sum()
    p = correct / groups.height
    r = correct / true_size.height
    fga = 0.0 if p + r == 0 else 2 * p * r / (p + r)
    pa = df.select((_norm("pred_tpl") == _norm("true_tpl")).mean()).item()
    return {"GA": round(ga, 4), "FGA": round(fga, 4), "PA": round(pa, 4)}
