-- Rebuild every link from `_links` (links are a pure function of the warehouse).
INSERT INTO core.incident_cluster_links BY NAME SELECT * FROM _links
