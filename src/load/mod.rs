//! Reading experiments and playbooks from files and URLs, and validating them
//! with Chaos Toolkit's own messages.
pub mod python_inspect;
pub mod source;
pub mod validate;

pub use source::{Format, LoadError, LoadOptions, Loaded, load, load_path, load_with, parse_document};
pub use validate::{ValidateOptions, ValidationError, validate};
