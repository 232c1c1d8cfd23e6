"""Test support for every Tandem component; the fixtures live in `tandem.kit.testing.plugin`."""
