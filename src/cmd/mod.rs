//! The commands, one module each: `validate`, `watch`, `template`, `rules`.

pub mod rules;
pub mod template;
pub mod validate;
pub mod watch;
