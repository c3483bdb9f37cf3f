"""Entering: a nomination's sections and task list, its files, screening by organisers, typed
answers kept across a sign-in, and draft reminders."""
