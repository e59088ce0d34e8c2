"""Custom components of the Rasa NLU pipeline (run in the Rasa environment, Python 3.10)."""
