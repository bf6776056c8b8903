"""Visible checks, one module per lesson: `from helpers.checks import lesson01 as check`."""
