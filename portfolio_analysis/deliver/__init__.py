"""The deliverable: the runner, the HTML report, the Excel plan, the summary and the tables."""
