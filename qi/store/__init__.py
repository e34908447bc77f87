"""The qi store: the database behind the app, the engine and the command line.

- ``engine``: which database (SQLite under data/ by default, PostgreSQL by URL), schema upgrades.
- ``models``: the tables. ``migrations``: how the schema is created and changed (alembic).
- ``observations``: writing observations with revisions; reading series, the index of stored
  series and the upload log as polars via Arrow.
- ``definitions``: measures, places and initiatives.
- ``places``: places as a hierarchy (rollups in SQL) and their deprivation.
- ``clock``: the one clock every write's who-and-when takes its time from.
- ``access``: people, grants, sign-in and the append-only audit; ``guard`` runs
  ``qi.access.authorize`` for every writer here and audits refusals.
"""

from qi.store.definitions import (
    add_initiative,
    initiative_measures,
    link_measures,
    read_initiatives,
    read_measures,
    read_places,
    upsert_measures,
    upsert_places,
)
from qi.store.engine import (
    connect,
    database_shown,
    database_url,
    default_actor,
    open_store,
    upgrade,
)
from qi.store.observations import (
    StoreResult,
    UploadRecord,
    compare_observations,
    read_breakdowns,
    read_revisions,
    read_series,
    read_series_index,
    read_upload_times,
    read_uploads,
    record_rejected_upload,
    store_observations,
)

__all__ = [
    "StoreResult",
    "UploadRecord",
    "add_initiative",
    "connect",
    "initiative_measures",
    "link_measures",
    "database_shown",
    "database_url",
    "default_actor",
    "open_store",
    "read_breakdowns",
    "read_initiatives",
    "read_measures",
    "read_places",
    "read_revisions",
    "read_series",
    "read_series_index",
    "read_upload_times",
    "read_uploads",
    "record_rejected_upload",
    "compare_observations",
    "store_observations",
    "upgrade",
    "upsert_measures",
    "upsert_places",
]
