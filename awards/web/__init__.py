"""Blueprints, one package per audience."""
