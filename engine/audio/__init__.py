"""Audio in and out of the engine: files, resampling, and the signal processing the ops use."""
