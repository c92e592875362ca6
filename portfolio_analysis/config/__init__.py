"""Configuration: the criteria catalogue (``criteria.yaml``) and the overrides merged into it."""
