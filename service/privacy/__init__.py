"""Data protection: retention of closed cases and drafts, and residents' data export."""
