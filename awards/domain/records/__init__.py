"""Keeping and removing records: backups of the whole service, a copy of everything held about a person,
deleting an account, and removing a closed cycle's personal data after its retention period."""
