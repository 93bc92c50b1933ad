"""API schemas by area (common, reference, requests, planning, zfa, zrk, aps)."""
