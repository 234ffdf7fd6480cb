"""Output for people and machines: error formatting, plain lines, rich views and JSON."""
