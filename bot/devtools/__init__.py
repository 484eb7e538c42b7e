"""Local stand-ins for Slack and Anthropic, used by the tests, the console and the benchmarks."""
