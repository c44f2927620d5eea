"""CSV exports of a study for analysis: one streamed ZIP, each file alone, or files on disk.

``cells`` and ``schema`` say how values become cells and what every column means (pure);
``zipstream`` writes a ZIP as it goes (pure); ``rows`` reads them page by page;
``files`` puts them together inside one read snapshot.
"""
