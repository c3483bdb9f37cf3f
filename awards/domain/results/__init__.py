"""Results: scores aggregated and normalised, the ranking and suggested shortlist, the organiser's decisions, and trend
insight."""
