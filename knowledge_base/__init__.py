"""Knowledge base: user guides, FAQ entries and rollout rules, and their hybrid search."""
