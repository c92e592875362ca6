"""Figures: functions that take data and ``ax=None``, draw, and return the Axes."""
