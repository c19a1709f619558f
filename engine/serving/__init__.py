"""The engine daemon: transports, handler table, job queue and runner, job store."""
