"""Embeddings for dedup: the sentence encoder, the persisted FAISS index, pure clustering.

Imports of torch, sentence-transformers and faiss happen inside the functions that need
them, so importing this package stays cheap.
"""
