"""CSV exports of a study for analysis: one streamed ZIP, each file alone, or files on disk.

Pure: ``cells`` (how a value becomes a cell), ``columns`` with ``study_columns`` and
``pmq_columns`` (what every column means; ``catalogue`` lists the files), ``package`` (the
codebook and datapackage.json) and ``zipstream`` (a ZIP written as it goes). ``rows`` reads
the rows page by page; ``files`` puts them together inside one read snapshot.
"""
