"""One module per kind of page; each exposes ``register(app)``.

``home`` (/), ``region`` (/regions/{code}), ``cluster`` (/clusters/{code}),
``region_cluster`` (/regions/{code}/clusters/{cluster}), ``compare`` (/compare),
``scoreboard`` (/scoreboard) and ``guide`` (/methodology, /how-to-read, /sources).
"""

PAGE_MODULES = [
    "clusteratlas.web.views.home",
    "clusteratlas.web.views.region_cluster",  # before region: longer path first
    "clusteratlas.web.views.region",
    "clusteratlas.web.views.cluster",
    "clusteratlas.web.views.compare",
    "clusteratlas.web.views.scoreboard",
    "clusteratlas.web.views.guide",
]
