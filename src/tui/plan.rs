//! The plan screen (OWNER: plan/backlog helper).
