//! Volume-weighted indicators: on-balance volume, money flow index, session-anchored VWAP, volume profile.

mod mfi;
mod obv;
mod profile;
mod profile_histogram;
#[cfg(test)]
mod profile_proptests;
mod vwap;

pub use mfi::{Mfi, mfi};
pub use obv::{Obv, obv};
pub use profile::{VolumeProfile, volume_profile};
pub use profile_histogram::{Profile, VALUE_AREA_SHARE};
pub use vwap::{Vwap, vwap};
