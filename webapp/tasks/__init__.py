"""Tasks colleagues give each other about a case or a document, due in working days."""
