//! Commission models of the simulator: per share with a minimum, basis points of notional, Alpaca crypto maker/taker.

use serde::{Deserialize, Serialize};

use crate::error::MoneyError;
use crate::money::{Money, Price, Quantity, Rounding};
use crate::order::{Fee, Side};

/// Whether a fill took liquidity (crossed the book) or provided it (rested at its limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liquidity {
    /// Rested on the book and was hit.
    Maker,
    /// Crossed the book.
    Taker,
}

/// How a fill is charged. Fees round up (a venue never charges less than its rate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum FeeModel {
    /// No commission (Alpaca US equities).
    #[default]
    Zero,
    /// A price per share with a minimum per fill.
    PerShare {
        /// Charge per unit.
        per_share: Money,
        /// Smallest charge per fill.
        minimum: Money,
    },
    /// Basis points of the notional, in cash.
    Bps {
        /// Rate in basis points.
        bps: u32,
    },
    /// Alpaca crypto: maker/taker rates; a buyer pays in the coin received, a seller in the cash received.
    CryptoMakerTaker {
        /// Maker rate in basis points.
        maker_bps: u32,
        /// Taker rate in basis points.
        taker_bps: u32,
    },
}

impl FeeModel {
    /// The fee for a fill of `quantity` at `price`.
    pub fn fee(
        &self,
        side: Side,
        quantity: Quantity,
        price: Price,
        liquidity: Liquidity,
    ) -> Result<Fee, MoneyError> {
        let notional = || price.notional(quantity, Rounding::Up);
        Ok(match *self {
            FeeModel::Zero => Fee::Quote(Money::ZERO),
            FeeModel::PerShare { per_share, minimum } => {
                let charge =
                    per_share.checked_scale(Money::from_raw(quantity.raw()), Rounding::Up)?;
                Fee::Quote(charge.max(minimum))
            }
            FeeModel::Bps { bps } => {
                Fee::Quote(notional()?.checked_mul_ratio(i128::from(bps), 10_000, Rounding::Up)?)
            }
            FeeModel::CryptoMakerTaker {
                maker_bps,
                taker_bps,
            } => {
                let bps = i128::from(if liquidity == Liquidity::Maker {
                    maker_bps
                } else {
                    taker_bps
                });
                match side {
                    Side::Buy => {
                        Fee::Base(quantity.checked_mul_ratio(bps, 10_000, Rounding::Up)?)
                    }
                    Side::Sell => {
                        Fee::Quote(notional()?.checked_mul_ratio(bps, 10_000, Rounding::Up)?)
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        text.parse().unwrap()
    }
    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }
    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn per_share_has_a_minimum() {
        let model = FeeModel::PerShare {
            per_share: m("0.005"),
            minimum: m("1"),
        };
        assert_eq!(
            model
                .fee(Side::Buy, q("100"), p("10"), Liquidity::Taker)
                .unwrap(),
            Fee::Quote(m("1"))
        );
        assert_eq!(
            model
                .fee(Side::Sell, q("1000"), p("10"), Liquidity::Taker)
                .unwrap(),
            Fee::Quote(m("5"))
        );
    }

    #[test]
    fn bps_of_notional_rounds_up() {
        let model = FeeModel::Bps { bps: 3 };
        assert_eq!(
            model
                .fee(Side::Buy, q("3"), p("33.333333333"), Liquidity::Maker)
                .unwrap(),
            Fee::Quote(m("0.03"))
        );
        assert_eq!(
            model
                .fee(Side::Buy, q("1"), p("0.000000001"), Liquidity::Maker)
                .unwrap(),
            Fee::Quote(m("0.000000001"))
        );
    }

    #[test]
    fn crypto_fee_comes_out_of_what_is_received() {
        let model = FeeModel::CryptoMakerTaker {
            maker_bps: 15,
            taker_bps: 25,
        };
        assert_eq!(
            model
                .fee(Side::Buy, q("2"), p("50000"), Liquidity::Taker)
                .unwrap(),
            Fee::Base(q("0.005"))
        );
        assert_eq!(
            model
                .fee(Side::Buy, q("2"), p("50000"), Liquidity::Maker)
                .unwrap(),
            Fee::Base(q("0.003"))
        );
        assert_eq!(
            model
                .fee(Side::Sell, q("2"), p("50000"), Liquidity::Taker)
                .unwrap(),
            Fee::Quote(m("250"))
        );
    }
}
