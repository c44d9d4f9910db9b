"""Simple printed documents: a layout of headings, fields, paragraphs and tables (layout.py) and its PDF with a
Cyrillic font (pdf.py). Used for the demo's scanned papers and for signature sheets."""
