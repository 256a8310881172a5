//! What a vectorised run trades with: starting cash, position sizing, direction, slippage and fees.

use exec_gateway::fees::FeeModel;
use exec_gateway::money::{Money, Price, Quantity};

use crate::error::VectorSimError;
use crate::exact::ONE_E9;

/// How large a new position is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizing {
    /// This many units (a positive quantity).
    Fixed(Quantity),
    /// Whole units worth this fraction of equity at the deciding close, rounded down (a number in (0, 1]).
    Fraction(Price),
}

/// The settings of one run; the fill and fee rules are the gateway's (`exec_gateway::matching`, `fees`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Cash at the first bar.
    pub starting_cash: Money,
    /// Position size on an entry (and on a reversal when shorts are allowed).
    pub sizing: Sizing,
    /// True: an exit signal closes a long; false: it reverses into a short of the same size rule.
    pub long_only: bool,
    /// Market-order slippage against the order, in basis points of the open.
    pub slippage_bps: u32,
    /// Commission per fill; fees in the traded coin (crypto maker/taker) are not supported here.
    pub fees: FeeModel,
}

impl Settings {
    /// Refuses settings the vectorised path cannot honour exactly, naming the setting.
    pub fn validate(&self) -> Result<(), VectorSimError> {
        let bad =
            |field: &'static str, problem: String| Err(VectorSimError::Setting { field, problem });
        match self.sizing {
            Sizing::Fixed(qty) if !qty.is_positive() => {
                return bad("qty", format!("{qty} must be > 0"));
            }
            Sizing::Fraction(f) if !f.is_positive() || f.raw() > ONE_E9 => {
                return bad("fraction", format!("{f} must be in (0, 1]"));
            }
            _ => {}
        }
        if self.slippage_bps >= 10_000 {
            return bad(
                "slippage_bps",
                format!("{} must be below 10000", self.slippage_bps),
            );
        }
        match self.fees {
            FeeModel::CryptoMakerTaker { .. } => bad(
                "fees",
                "crypto maker/taker fees (paid in the coin) are not supported by the vectorised path"
                    .to_owned(),
            ),
            FeeModel::PerShare { per_share, minimum }
                if per_share.is_negative() || minimum.is_negative() =>
            {
                bad("fees", format!("per_share {per_share} and minimum {minimum} must be >= 0"))
            }
            _ => Ok(()),
        }
    }
}
