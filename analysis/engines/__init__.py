"""The same rules on other engines than one pandas frame: Dask (local or a cluster)."""
