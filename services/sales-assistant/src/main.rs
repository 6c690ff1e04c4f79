//! The sales-assistant service.

fn main() {}
