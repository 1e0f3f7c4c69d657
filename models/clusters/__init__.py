"""Clusters of recurring failures: stable ids, regressions and spikes, links to incidents.

Every entry point takes an open warehouse connection and the configuration (`[clusters]` section,
see `settings.py`) and returns a dict of figures.
"""

from models.clusters.build import build_clusters
from models.clusters.checks import disappeared_cluster_ids, events_without_cluster
from models.clusters.flags import flag_clusters
from models.clusters.incidents import link_incidents

__all__ = [
    "build_clusters",
    "disappeared_cluster_ids",
    "events_without_cluster",
    "flag_clusters",
    "link_incidents",
]
