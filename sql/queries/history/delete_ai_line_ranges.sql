DELETE FROM core.ai_line_ranges WHERE repo = $repo
