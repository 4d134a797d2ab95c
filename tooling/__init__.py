"""Build and local-run helpers the Makefile and the tests share."""
