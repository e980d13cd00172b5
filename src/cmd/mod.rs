//! The commands, one module each: `validate`, `template`, `rules`.

pub mod rules;
pub mod template;
pub mod validate;
