-- Suspect scores are recomputed as a whole (cheap: one SQL pass over attributed frames).
DELETE FROM core.suspect_commit_scores
