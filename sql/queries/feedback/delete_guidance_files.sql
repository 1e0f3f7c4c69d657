-- Remove a pack version's guidance files before recording them again.
DELETE FROM core.guidance_files WHERE pack_version = ?
