//! Moving averages: simple, exponential (SMA-seeded) and linearly weighted.

mod ema;
mod sma;
mod wma;

pub use ema::{Ema, ema};
pub use sma::{Sma, sma};
pub use wma::{Wma, wma};
