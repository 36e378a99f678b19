"""Safe expressions (CEL) for conditions, computed values and cross-field rules."""
