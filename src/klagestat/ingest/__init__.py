"""Reading source files into validated records. One module per source format."""
