"""Widgets the screens share: the preset list, rule checks, recent runs, training curves."""
