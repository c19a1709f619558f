"""The wire protocol between the engine and its clients (schema, ZeroMQ client, REAPER-side client)."""
