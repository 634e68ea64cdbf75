"""Old import path of the PostGIS store, kept so older callers still import.

New code opens stores with :func:`geo.stations.open_store`.
"""

from __future__ import annotations

from geo.stations.model import is_database_url
from geo.stations.postgis import PostgisStore as PostgisRegistry

__all__ = ["PostgisRegistry", "is_database_url"]
