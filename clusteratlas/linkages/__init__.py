"""Linkages between clusters and industries: trends, relatedness, complexity, emerging
industries, spatial hot spots and the partner finder.

An analytics package (beside :mod:`clusteratlas.mapping`): it imports the mapping,
classifications, engine, errors, fileio and store layers, never the CLI or the web app. Every
result is a pandas DataFrame or a JSON-able dict so that pages can be added on top.
``docs/linkages.md`` documents every measure.
"""
