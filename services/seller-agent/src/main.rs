//! The seller-agent service.

fn main() {}
