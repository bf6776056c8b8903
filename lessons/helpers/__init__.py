"""Helpers the lessons import: the environment check, data, plots and the visible checks.

Learners may read all of it; nothing here is a reference answer.
"""
