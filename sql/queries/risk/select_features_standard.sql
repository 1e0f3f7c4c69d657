-- The 14 change features of Kamei et al. (TSE 2013) for every commit in risk_targets, from history
-- before it (commits ordered by risk_src_commits.ord). Five groups:
--   size: la, ld, lt · diffusion: ns, nd, nf, entropy · purpose: fix
--   history: ndev, age, nuc · experience: exp, rexp, sexp
-- $fix_pattern is the RE2 pattern of fix-commit messages (models/risk/labels.py).
-- Deterministic to the last bit whatever the thread schedule (the Dask and embedded runs must agree):
-- floating sums in a fixed order (ORDER BY inside the aggregate), averages of integer seconds.
WITH t AS (
    SELECT c.sha, c.ord, c.author_key, c.committed_at, c.message
    FROM risk_src_commits AS c JOIN risk_targets USING (sha)
    WHERE NOT c.is_merge
),
tf AS (
    SELECT f.* FROM risk_src_files AS f JOIN risk_targets USING (sha)
),
size AS (
    SELECT sha, count(*) AS nf, count(DISTINCT subsystem) AS ns, count(DISTINCT directory) AS nd,
           sum(added) AS la, sum(deleted) AS ld, sum(added + deleted) AS churn
    FROM tf GROUP BY sha
),
entropy AS (
    SELECT tf.sha,
           CASE WHEN s.nf > 1 AND s.churn > 0
                THEN -sum(CASE WHEN tf.added + tf.deleted > 0
                               THEN (tf.added + tf.deleted) / s.churn * log2((tf.added + tf.deleted) / s.churn) ELSE 0 END
                          ORDER BY tf.path)
                     / log2(s.nf)
                ELSE 0 END AS entropy
    FROM tf JOIN size AS s USING (sha)
    GROUP BY tf.sha, s.nf, s.churn
),
prior AS (  -- earlier changes of each changed file (following one rename)
    SELECT tf.sha, tf.path, p.sha AS prior_sha, p.author_key AS prior_author, p.committed_at AS prior_at,
           p.added - p.deleted AS net
    FROM tf
    JOIN risk_src_files AS p ON p.ord < tf.ord AND (p.path = tf.path OR p.path = tf.old_path)
),
per_file AS (
    SELECT tf.sha, tf.path, greatest(coalesce(sum(p.net), 0), 0) AS lt,
           date_diff('second', max(p.prior_at), any_value(tf.committed_at)) AS age_seconds
    FROM tf LEFT JOIN prior AS p USING (sha, path)
    GROUP BY tf.sha, tf.path
),
history AS (
    SELECT pf.sha, avg(pf.lt) AS lt, coalesce(avg(pf.age_seconds) / 86400.0, 0) AS age,
           coalesce(any_value(h.ndev), 0) AS ndev, coalesce(any_value(h.nuc), 0) AS nuc
    FROM per_file AS pf
    LEFT JOIN (SELECT sha, count(DISTINCT prior_author) AS ndev, count(DISTINCT prior_sha) AS nuc
               FROM prior GROUP BY sha) AS h USING (sha)
    GROUP BY pf.sha
),
experience_years AS (  -- the author's earlier commits by how many whole years before this one
    SELECT t.sha, floor(date_diff('day', o.committed_at, t.committed_at) / 365.25) AS years, count(*) AS n
    FROM t
    JOIN risk_src_commits AS o ON o.author_key = t.author_key AND o.ord < t.ord AND NOT o.is_merge
    GROUP BY ALL
),
experience AS (
    SELECT t.sha, coalesce(sum(y.n), 0) AS exp, coalesce(sum(y.n / (1 + y.years) ORDER BY y.years), 0) AS rexp
    FROM t LEFT JOIN experience_years AS y USING (sha)
    GROUP BY t.sha
),
subsystems AS (
    SELECT DISTINCT sha, ord, author_key, subsystem FROM risk_src_files
),
sexp AS (
    SELECT ts.sha, count(DISTINCT p.sha) AS sexp
    FROM (SELECT DISTINCT sha, ord, author_key, subsystem FROM tf) AS ts
    JOIN subsystems AS p ON p.author_key = ts.author_key AND p.subsystem = ts.subsystem AND p.ord < ts.ord
    GROUP BY ts.sha
)
SELECT t.sha, t.committed_at,
       coalesce(s.ns, 0)::DOUBLE AS ns, coalesce(s.nd, 0)::DOUBLE AS nd, coalesce(s.nf, 0)::DOUBLE AS nf,
       coalesce(e.entropy, 0)::DOUBLE AS entropy,
       coalesce(s.la, 0)::DOUBLE AS la, coalesce(s.ld, 0)::DOUBLE AS ld, coalesce(h.lt, 0)::DOUBLE AS lt,
       CASE WHEN regexp_matches(t.message, $fix_pattern) THEN 1.0 ELSE 0.0 END AS fix,
       coalesce(h.ndev, 0)::DOUBLE AS ndev, coalesce(h.age, 0)::DOUBLE AS age, coalesce(h.nuc, 0)::DOUBLE AS nuc,
       x.exp::DOUBLE AS exp, x.rexp::DOUBLE AS rexp, coalesce(se.sexp, 0)::DOUBLE AS sexp
FROM t
LEFT JOIN size AS s USING (sha)
LEFT JOIN entropy AS e USING (sha)
LEFT JOIN history AS h USING (sha)
LEFT JOIN experience AS x USING (sha)
LEFT JOIN sexp AS se USING (sha)
ORDER BY t.ord;
