"""What every feature leans on: errors, the clock, the audit log and who is asking, e-mail through the outbox, text rules, paging and backups."""
