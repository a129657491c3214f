"""Pieces of the chat window that do not need Gradio: rendering, feedback, export."""
