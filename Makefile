# The two commands (see README.md).
.PHONY: run test

run:
	@bash tools/harness.sh run

test:
	@bash tools/harness.sh test
