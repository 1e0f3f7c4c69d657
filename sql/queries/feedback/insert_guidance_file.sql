-- One generated guidance file of a pack version.
INSERT INTO core.guidance_files (pack_version, path, format, bytes, content) VALUES (?, ?, ?, ?, ?)
