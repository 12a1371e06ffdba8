"""General actor runtime on pykka: systems, CIDs, the correlator, backends."""
