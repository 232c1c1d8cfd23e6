"""The sessions service: sessions, goals, notes, calendar feeds and reminders of each mentorship."""
