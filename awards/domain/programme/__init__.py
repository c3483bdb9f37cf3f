"""Setting up a programme: award cycles with their categories and dates, the judging criteria,
and the trend taxonomy."""
