//! Reports (OWNER: reports helper).
