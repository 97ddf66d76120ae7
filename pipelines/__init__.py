"""Entry points: the `wxm` command line and the pipeline runs it drives."""
