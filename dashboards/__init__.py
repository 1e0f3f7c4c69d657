"""The Streamlit dashboard for engineering leads (`hindsight dashboard`)."""
