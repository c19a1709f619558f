"""Data synthesis (designer + composer) and the bundled instruction sets."""
