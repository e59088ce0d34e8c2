"""Portal user accounts: argon2 password hashes, login with lockout, demo accounts."""
