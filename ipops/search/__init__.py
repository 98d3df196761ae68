"""Keyword and semantic patent search, needs matching, IPC suggestion (issue 4)."""
