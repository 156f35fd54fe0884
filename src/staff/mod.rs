//! The staff core: what members of staff may see and do, decided the same way for every front
//! end (the HTTP API, the staff group, the web console, the command line).

pub mod access;
pub mod password;
pub mod perform;
