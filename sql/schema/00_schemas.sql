-- Internal tables live in schema core; the stable analyst views live in main (sql/views).
CREATE SCHEMA IF NOT EXISTS core;
