"""Training loops (accelerate) for the VAE, the editor and the planner."""
