//! The hypothesis backlog (OWNER: playbook helper).
