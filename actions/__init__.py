"""Custom Rasa actions (rasa-sdk, main environment): one module per feature, kept thin."""
