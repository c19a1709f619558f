"""Executors: one edit step at a time, by the exact composer or the diffusion adapter."""
