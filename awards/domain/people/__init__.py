"""The people who use the service: accounts and signing in (password, magic link, single sign-on), passwords and
two-factor authentication."""
