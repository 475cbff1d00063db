//! The boards the microvisor runs on: addresses and rates only.

pub mod ref405ep;
