"""Helpers shared by the test suites: builders, live servers, browser devices, invariants."""
