"""`lodestar train forecast` and `lodestar forecast`: the sales-forecast job and batch CSVs."""
