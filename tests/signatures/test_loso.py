"""Leave-one-system-out on the shared Loghub systems: the held-out figure we report, and an honest split."""

from __future__ import annotations

from models.signatures import loso
from models.signatures.templates import MinerSettings

# The figures in README "Measured figures" (mean of the ten held-out systems). A change that makes the
# miner fit some systems at the expense of others lowers them and fails here.
REPORTED_GA = 0.9916
REPORTED_FGA = 0.9720


def test_held_out_mean_holds_the_reported_figure(shared_datasets):
    result = loso.leave_one_system_out(shared_datasets / "loghub-2k")
    assert len(result["systems"]) == 10
    assert result["mean"]["GA"] >= REPORTED_GA, result["held_out"]
    assert result["mean"]["FGA"] >= REPORTED_FGA, result["held_out"]
    assert min(r["GA"] for r in result["held_out"].values()) >= 0.95, result["held_out"]  # no system left behind


def test_the_held_out_system_never_chooses_its_own_setting(monkeypatch, tmp_path):
    """A setting that only the held-out system likes must not be chosen for it."""
    a, b = MinerSettings(word_variants=3), MinerSettings(word_variants=9)
    systems = ["S1", "S2", "S3"]
    table = {s: {a: {"GA": 0.9, "FGA": 0.9, "PA": 0.0}, b: {"GA": 0.8, "FGA": 0.8, "PA": 0.0}} for s in systems}
    table["S3"][b] = {"GA": 1.0, "FGA": 1.0, "PA": 0.0}  # S3 alone prefers b
    monkeypatch.setattr(loso, "available_systems", lambda root: systems)
    monkeypatch.setattr(loso, "score_grid", lambda root, systems, grid: table)
    result = loso.leave_one_system_out(tmp_path, grid=(a, b))
    assert result["held_out"]["S3"]["settings"]["word_variants"] == 3
    assert result["held_out"]["S3"]["GA"] == 0.9  # scored with the others' choice, not its best
    assert result["mean"]["GA"] == 0.9
