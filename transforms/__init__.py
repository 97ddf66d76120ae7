"""Shaping: typed, tidy rows from raw WXM responses, and the SQL models built after each load."""
