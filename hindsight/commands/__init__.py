"""CLI commands, one module per stage; each exposes `register(app)`."""

from hindsight.commands import (
    attribution,
    dashboard,
    demo,
    feedback,
    history,
    pipeline,
    risk,
    signatures,
    sources,
    warehouse,
)

STAGE_MODULES = [sources, history, signatures, attribution, feedback, risk, pipeline, warehouse, demo, dashboard]
