"""Deploy stages: plan, register, watch; they emit events and never print."""
