"""Neural parts (torch): VAE, diffusion editor, released UDiT/Oobleck, audio-language planner.

Nothing here is imported by the engine until a neural model is actually needed.
"""
