-- A commit whose git-ai note attests AI-written lines is AI-authored, even without a commit marker
-- (evidence kind 'git_ai_note'); the note's evidence goes first in all_evidence.
UPDATE core.commit_ai AS a
SET origin = 'ai_authored',
    ai_authored = TRUE,
    ai_tool = n.tool,
    evidence_kind = 'git_ai_note',
    evidence = n.evidence,
    marker_id = 'git_ai.note',
    all_evidence = to_json(list_prepend(
        json_object('marker_id', 'git_ai.note', 'tool', n.tool, 'kind', 'git_ai_note',
                    'meaning', 'ai_authored', 'evidence', n.evidence),
        from_json(a.all_evidence, '["JSON"]')))
FROM (
    SELECT repo, sha,
           coalesce(mode(ai_tool), 'generic') AS tool,
           format('refs/notes/ai: {} AI lines in {} files', sum(line_end - line_start + 1),
                  count(DISTINCT path)) AS evidence
    FROM core.ai_line_ranges
    WHERE repo = $repo AND author_kind = 'ai'
    GROUP BY ALL
) AS n
WHERE a.repo = n.repo AND a.sha = n.sha AND a.origin <> 'ai_authored'
