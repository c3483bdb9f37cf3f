"""Organisers' messages to the people of a cycle: a chosen audience, merge fields, sent through the outbox."""
