"""Planning: instruction -> atomic steps, by rules, grounding, an LLM endpoint or the ALM adapter."""
