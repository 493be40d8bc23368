"""Ingestion stage: parse files into documents, chunk paragraphs, embed chunks and store them.

`index` imports no other SpeechQA package; `rag`, `evals` and `ui` build on it.
"""
