-- Which of a batch's commits are stored already (a re-scan after a history rewrite skips them).
SELECT sha FROM core.commits WHERE repo = $repo AND sha IN (SELECT unnest($shas))
