"""Pipelines: one atomic edit of a stereo mixture by the diffusion editor."""
