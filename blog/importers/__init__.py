"""Turning saved archive pages and WordPress exports into posts.

Parsers (text_archive, wxr) and detection rules (detect) are plain functions over text,
tested without a database; loader.py writes their records in one transaction.
"""
