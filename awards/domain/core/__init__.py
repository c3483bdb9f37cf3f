"""What every feature leans on: errors, the clock, dates in words, the audit log, e-mail through the outbox, text
rules and paging."""
