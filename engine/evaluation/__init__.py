"""Evaluation of planners (and the figures the CLI reports)."""
