"""Score sheets: facts, overrides, evidence, review and lock."""
