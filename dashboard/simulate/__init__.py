"""Simulated participants: a client that takes the path a browser takes through a study, with
a profile that decides how it talks, edits, answers proposals and answers the PMQ.

Pure (no Django): ``profiles`` (who they are), ``answers`` (the PMQ answer model and planted
effects), ``talk`` (what they write, offline and seeded), ``page`` (reading the server's
HTML as a browser would), ``client`` (one participant over HTTP and the WebSocket),
``run`` (many at once, with the numbers a load test needs). ``llm`` writes messages
through an operator's endpoint instead of ``talk``.
"""
