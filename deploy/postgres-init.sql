-- One database per service (docker-compose.yml mounts this into /docker-entrypoint-initdb.d).
-- The postgres image runs it once, as POSTGRES_USER, when it initialises an empty data volume;
-- later changes here do not reach an existing volume. Each service's `<name>-migrate` container
-- then creates the tables.
CREATE DATABASE tandem_profiles;
CREATE DATABASE tandem_matching;
CREATE DATABASE tandem_sessions;
CREATE DATABASE tandem_feedback;
