"""Separator adapters (speech, music stems, any sound by text) behind one small interface (base.py)."""
