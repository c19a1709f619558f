"""The audio-language planner model (CLAP -> adapter -> LM with LoRA) and its training examples."""
