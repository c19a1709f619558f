"""Neural parts (torch): VAE, diffusion editor, released UDiT/Oobleck, audio-language planner.

Nothing here is imported by the engine until a neural model is actually needed, and nothing here
imports the engine: models take audio at their own rate (the engine's adapters resample), training
reads dataset files itself (``dataset.py``), and paths such as the models folder come in as arguments.
Layout: ``components/`` (UDiT, Oobleck, DiT, latents, text encoder, CLAP), ``diffusion/`` (scheduler,
sampler), ``pipelines/`` (one edit), ``planner/`` (the ALM planner model, its data, constrained
decoding), ``release/`` (the released-weights importer), ``separators/``, ``training/``; ``configs.py`` (every named
config, the released one once), ``checkpoint.py`` (the folder format), ``metrics.py``.
"""
