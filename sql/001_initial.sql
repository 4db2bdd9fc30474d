-- placeholder, replaced below
CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY);
