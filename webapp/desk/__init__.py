"""The top floor: pages and answers that assemble many areas. The case page (the case, its documents with their
workflow and signing panels, its support journal and deadlines), the case list with each role's dashboard, and
the API's case with its documents. Each area offers its part as a service function (signing.panels,
support.panels, documents.workflow.own_drafts, ...); this package only composes them, and nothing below imports
it."""
