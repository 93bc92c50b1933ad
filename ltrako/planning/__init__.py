"""Planning a day: scenario export/import, day plans, tours, clearance, Restplatzbörse, charters."""
