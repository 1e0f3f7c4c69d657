-- A new grouping version re-mines every record: the patterns of other versions are no longer state.
DELETE FROM core.log_template_patterns WHERE grouping_version IS DISTINCT FROM $version
