//! Asks a Python interpreter whether a module and function exist and how the
//! function's signature binds the given arguments (for validation).
//! OWNER: validation helper.
