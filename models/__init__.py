"""The analytical core of Hindsight, in the order data flows through it.

sources → warehouse → signatures → clusters → attribution → feedback.
Nothing here imports Dagster or Streamlit: `pipelines/` and `dashboards/` are thin shells around it.
"""
