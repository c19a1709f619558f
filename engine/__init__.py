"""The engine: edit language, composer, planners, executors, jobs, daemon and command line."""
