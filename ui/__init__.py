"""Streamlit widgets shared by the pages of mgc (the input panel, cached analysis)."""
