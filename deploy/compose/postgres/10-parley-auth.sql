-- Run once, when the PostgreSQL volume is first initialised: the auth service's own database
-- (the nodes' database, parley, is POSTGRES_DB). Each program migrates its schema at start.
CREATE DATABASE parley_auth;
