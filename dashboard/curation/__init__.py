"""The offline curation pipeline: read and validate the reviewed sources (`validate`, `hosts`), apply review
verdicts (`review`) and spreadsheet imports (`spreadsheet`, `importer`), build the database with its summary
tables (`build`, `summaries`) and cut releases (`release`). Run by `make` and `python -m dashboard`, never by a
page. It shares only the vocabulary (`dashboard.taxonomy`, `dashboard.schema`, `dashboard.config`) with the
serving side."""
