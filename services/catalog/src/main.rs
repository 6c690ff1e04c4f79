//! The catalog service.

fn main() {}
