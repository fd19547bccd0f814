"""Helpers the tests share: a real Chromium (browser), picture checks (pixels). Imported as ``support.<module>``."""
