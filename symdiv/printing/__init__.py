"""Printing layer: kept outside the model, dispatched on class."""
