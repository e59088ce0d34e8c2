"""The chat gateway: validate, relay to Rasa's REST channel, record each turn."""
