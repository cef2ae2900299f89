//! The Game Day playbook (OWNER: playbook helper).
