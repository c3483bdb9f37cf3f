"""People's Choice: public votes per category, the rules that keep them honest, and their results."""
