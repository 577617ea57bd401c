"""Transformations of observations between the store and the analytics: NUTS version
conversion and gap-filling of suppressed or confidential cells."""
