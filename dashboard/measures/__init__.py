"""Co-construction analytics as pure functions of plain data (docs/data.md, "Measures").

Pure: no Django imports. ``scoring`` (one level up) loads a session, hands these modules
lists and dicts, and stores what they return with its provenance.
"""
