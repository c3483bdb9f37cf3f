"""The people who use the service: accounts and signing in, passwords, two-factor, judges' affiliations, and their personal data."""
