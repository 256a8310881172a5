//! Volume-weighted indicators: on-balance volume, money flow index, session-anchored VWAP, volume profile.

mod mfi;
mod obv;
mod profile;
mod vwap;

pub use mfi::{Mfi, mfi};
pub use obv::{Obv, obv};
pub use profile::{Profile, VALUE_AREA_SHARE, VolumeProfile, volume_profile};
pub use vwap::{Vwap, vwap};
