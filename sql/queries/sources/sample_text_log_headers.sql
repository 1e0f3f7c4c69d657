-- Plain-text logs: the fields of the first matching lines of the file (a sample to choose the timestamp
-- shape from). $1 = line-format regex, {names} = its field names, {sample} = how many lines.
SELECT regexp_extract(line, $1, {names}) AS f
FROM (SELECT rtrim(line) AS line FROM log_lines WHERE line <> '' AND left(line, 1) NOT IN (' ', chr(9)) ORDER BY line_no LIMIT {sample})
WHERE regexp_full_match(line, $1)
