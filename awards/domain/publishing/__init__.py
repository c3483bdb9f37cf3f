"""Publishing: impact cases for the public library, what a case publishes, and exports."""
