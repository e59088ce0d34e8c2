"""Stored chat turns: the model, the queries and the transcript handed to support agents."""
