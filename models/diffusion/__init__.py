"""Diffusion: the DDIM scheduler and v-prediction loss of the editor."""
