"""Data protection: retention (pseudonymisation) and the audit export per case."""
