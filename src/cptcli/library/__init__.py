"""The record library: the record schema, safe reading of files, and the data tables."""
