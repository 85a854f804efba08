"""Thin callbacks: unpack inputs, call the service, return what a layout builds."""
