"""The demo world: a generated service repository with AI and human history, real production
events from running it, logs, incidents and the ground truth (see `demo.generate`)."""
