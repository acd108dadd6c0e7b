"""Unit tests of the runner, run by `mvn -B verify` as
``python3 -m unittest discover -s runner-scripts/tests -t runner-scripts``."""
