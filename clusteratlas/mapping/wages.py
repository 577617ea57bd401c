"""Average wage per employee, the productivity proxy of cluster mapping."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def wage(payroll: T, employment: Any) -> T:
    """Average annual wage: payroll divided by employment.

    Works element-wise on numbers, numpy arrays, pandas Series and Ibis expressions.

    Parameters
    ----------
    payroll:
        Annual payroll (wage bill, personnel costs) of the cell, in currency units.
    employment:
        Employment of the same cell. The CMP divides by *reported* employment (jobs of
        establishments whose payroll is published), not by employment with imputed suppressed
        cells, so that imputed jobs do not dilute the wage; pass that column when you have it.

    Notes
    -----
    .. math:: w_{r,c} = W_{r,c} / E_{r,c}

    References
    ----------
    U.S. Cluster Mapping Project, ``naics_reducer.js``: ``private_wage = ap * 1000 /
    emp_reported`` (annual payroll in $1000s); EOCIC Cluster Mapping Tool: "productivity
    measured by average wages per employed person".

    Examples
    --------
    A cluster paying 4.8 M for 100 jobs pays 48,000 per job:

    >>> wage(4_800_000, 100)
    48000.0
    """
    return payroll / employment
