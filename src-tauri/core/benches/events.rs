//! Criterion benchmark of the events views; written in a later commit.
fn main() {}
