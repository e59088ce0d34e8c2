"""Support tickets: escalations from the assistant, triaged by agents (see issue 5)."""
