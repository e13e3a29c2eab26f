-- Runs once, when the PostgreSQL volume is first initialised: the database behind ORCHESTRATOR_CONN_WAREHOUSE,
-- kept apart from the orchestrator's own database.
CREATE DATABASE warehouse OWNER orchestrator;
