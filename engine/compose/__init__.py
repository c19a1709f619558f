"""Exact DSP editing: the scene model, the composer's operations, mixture operations, label matching."""
