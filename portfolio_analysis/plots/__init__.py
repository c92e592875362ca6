"""Figures: functions that take a table first and ``ax=None``, draw it, and return the Axes.

They draw what the steps computed and compute nothing of their own; one module per
family (:mod:`.validation`, :mod:`.profiles`, :mod:`.scoring`, :mod:`.sensitivity`,
:mod:`.segments`, :mod:`.concentration`), every colour from :mod:`.palette`.
"""
