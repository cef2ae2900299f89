//! The backlog screen (OWNER: plan/backlog helper).
