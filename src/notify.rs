//! Webhook notifications (OWNER: prometheus/notify helper).
