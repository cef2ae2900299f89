//! Chaos Toolkit controls through a Python bridge (OWNER: controls helper).
