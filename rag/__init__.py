"""Answering stage: settings, hybrid retrieval, answer generators and the composition root.

`rag` imports only `index`.
"""
