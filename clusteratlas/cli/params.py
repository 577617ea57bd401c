"""The one table from an analytics parameter name to the CLI flag that sets it.

Analytics (mapping, scoreboard, transform, sources) raise
``InputError(parameter=<their own Python parameter name>)``; :func:`clusteratlas.cli.app.main`
passes that name through :func:`flag_for` before printing, so a CLI user reads ``--lq-base``
where a Python user reads ``lq_base``.

The default rule turns ``lq_base`` into ``--lq-base``; :data:`FLAGS` lists only the
exceptions, where the flag is not the parameter's name. Names that are not Python identifiers
(``--out``, ``FILE``, a YAML key path such as ``steps.treat``) are printed as they are.
"""

from __future__ import annotations

#: Python parameter name -> CLI flag, only where the default rule does not give the flag.
FLAGS: dict[str, str] = {
    # sources
    "code": "CODE",  # the positional CODE of `fetch eurostat` and `classifications show`
    "filters": "--where",
    "fmt": "--input-format",  # ingest_files(fmt=...): the input files' format
    "nuts_version": "--nuts-version",
    # scoreboard.score()
    "range_": "--range",
    "global_": "--global",
    "aggregation": "--aggregate",
    "normalise_range": "--range",
    "normalise_scope": "--global",
    "treat_scope": "--treat",
    "region": "--strengths",
    "entities": "--joint",
    # mapping
    "scheme_name": "--scheme",
    "clusters": "--clusters",
    "definitions": "--clusters",
    "measures": "--measure",
    "thresholds": "--threshold",
    "star_lq": "--threshold",
    "star_size_quantile": "--threshold",
    "star_productivity_quantile": "--threshold",
    "star_min_employment": "--threshold",
    "strong_lq_quantile": "--threshold",
    "strong10_lq_quantile": "--threshold",
    "strong_size_quantile": "--threshold",
    "strong_min_lq": "--threshold",
}

#: Command -> {parameter -> flag}: where one command names a parameter's flag otherwise
#: (``scoreboard --edition open-data`` builds the edition, whose ``clusters`` and
#: ``data_dir`` are the edition's ``--edition-clusters`` and ``--edition-data``).
COMMAND_FLAGS: dict[str, dict[str, str]] = {
    "scoreboard": {"clusters": "--edition-clusters", "data_dir": "--edition-data"},
}


def flag_for(parameter: str | None, command: str | None = None) -> str | None:
    """The CLI flag for an analytics parameter name (in ``command``, when given).

    >>> flag_for("lq_base"), flag_for("filters"), flag_for("--out"), flag_for("FILE")
    ('--lq-base', '--where', '--out', 'FILE')
    >>> flag_for("clusters"), flag_for("clusters", "scoreboard")
    ('--clusters', '--edition-clusters')
    """
    if parameter is None:
        return None
    if command in COMMAND_FLAGS and parameter in COMMAND_FLAGS[command]:
        return COMMAND_FLAGS[command][parameter]
    if parameter in FLAGS:
        return FLAGS[parameter]
    if parameter.isidentifier() and parameter == parameter.lower():
        return "--" + parameter.strip("_").replace("_", "-")
    return parameter
