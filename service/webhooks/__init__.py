"""Webhooks: subscriptions, signed delivery (Standard Webhooks), retries and the delivery log."""
