"""Files and text: load, clean, find sections and speakers, chunk, and keep the index in step."""
