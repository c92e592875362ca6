"""The analysis steps, one module each, in the order of the notebooks: DataFrames in, DataFrames out."""
