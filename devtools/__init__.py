"""Development helpers shared by the tests and the benchmarks (real S3 servers on localhost).

Never imported by the application: it is not installed with casefiles and runs from a checkout only."""
