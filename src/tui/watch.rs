//! The read-only watch view (OWNER: watch helper).
