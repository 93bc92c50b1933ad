"""ltrako: transport coordination domain, persistence and workflows (LTraKo digital)."""
