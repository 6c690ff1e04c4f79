//! The gateway service.

fn main() {}
