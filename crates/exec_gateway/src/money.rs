//! Exact fixed-point decimals for prices, quantities and money: an i128 with 9 decimal places, checked arithmetic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::MoneyError;

/// Number of decimal places every fixed-point value carries.
pub const SCALE: u32 = 9;
/// `10^SCALE`: the raw integer that represents `1`.
pub const ONE_RAW: i128 = 1_000_000_000;

/// How a value that falls between two representable values is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward negative infinity (floor).
    Down,
    /// Toward positive infinity (ceiling).
    Up,
    /// Toward zero (truncation).
    TowardZero,
    /// To the nearest value; ties go to the even neighbour (banker's rounding, no drift over many sums).
    HalfEven,
}

/// `num / den` rounded by `mode`; `None` on division by zero or overflow.
pub(crate) fn div_round(num: i128, den: i128, mode: Rounding) -> Option<i128> {
    let quotient = num.checked_div(den)?;
    let remainder = num.checked_rem(den)?;
    if remainder == 0 {
        return Some(quotient);
    }
    let positive = (num < 0) == (den < 0);
    let away = if positive {
        quotient.checked_add(1)?
    } else {
        quotient.checked_sub(1)?
    };
    Some(match mode {
        Rounding::TowardZero => quotient,
        Rounding::Down => {
            if positive {
                quotient
            } else {
                away
            }
        }
        Rounding::Up => {
            if positive {
                away
            } else {
                quotient
            }
        }
        Rounding::HalfEven => {
            let rem = remainder.unsigned_abs();
            let rest = den.unsigned_abs() - rem;
            if rem > rest || (rem == rest && quotient % 2 != 0) {
                away
            } else {
                quotient
            }
        }
    })
}

fn parse_raw(text: &str) -> Result<i128, MoneyError> {
    let fail = |why: &'static str| MoneyError::Parse {
        text: text.to_owned(),
        why,
    };
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (body, None),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("expected digits before any decimal point"));
    }
    let mut raw: i128 = 0;
    for digit in int_part.bytes() {
        raw = raw
            .checked_mul(10)
            .and_then(|r| r.checked_add(i128::from(digit - b'0')))
            .ok_or_else(|| fail("too large"))?;
    }
    raw = raw.checked_mul(ONE_RAW).ok_or_else(|| fail("too large"))?;
    if let Some(frac_part) = frac_part {
        if frac_part.is_empty() || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("expected digits after the decimal point"));
        }
        let significant = frac_part.trim_end_matches('0');
        if significant.len() > SCALE as usize {
            return Err(MoneyError::TooPrecise {
                text: text.to_owned(),
            });
        }
        let mut frac: i128 = 0;
        for digit in significant.bytes() {
            frac = frac * 10 + i128::from(digit - b'0');
        }
        frac *= 10_i128.pow(SCALE - significant.len() as u32);
        raw = raw.checked_add(frac).ok_or_else(|| fail("too large"))?;
    }
    Ok(if negative { -raw } else { raw })
}

fn fmt_raw(raw: i128, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let magnitude = raw.unsigned_abs();
    let one = ONE_RAW.unsigned_abs();
    let (int_part, frac_part) = (magnitude / one, magnitude % one);
    if raw < 0 {
        f.write_str("-")?;
    }
    write!(f, "{int_part}")?;
    if frac_part != 0 {
        let digits = format!("{frac_part:09}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    Ok(())
}

/// Below 2^22 an f64's spacing is under 10^-9, so its rounding interval holds at most one multiple of 10^-9.
const SHORTEST_FAST_LIMIT: f64 = 4_194_304.0;
/// Below 2^53 every whole number is an f64 and an f64's spacing is at most 1.
const INTEGER_EXACT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// The raw value of `x`'s shortest round-trip text when that text has at most 9 decimals, found without
/// formatting: `k = round(x * 10^9)` is that text's raw value exactly when `k / 10^9` (correctly rounded) gives
/// `x` back, because then `k * 10^-9` lies in `x`'s rounding interval, and below 2^22 no other number with 9
/// or fewer decimals does, so the shortest text is that one. `None`: take the text route.
fn shortest_raw(x: f64) -> Option<i128> {
    if x.abs() >= SHORTEST_FAST_LIMIT && x.abs() < INTEGER_EXACT_LIMIT && x.fract() == 0.0 {
        // A whole number below 2^53 (a bar's volume, say) prints as exactly its digits: no shorter text lies within
        // its rounding interval (half a unit wide at most), and a shorter one would be another whole number.
        #[allow(clippy::cast_possible_truncation)]
        return Some(x as i128 * ONE_RAW);
    }
    if x.is_nan() || x.abs() >= SHORTEST_FAST_LIMIT {
        return None; // NaN, infinities and large values: the text route says what is wrong or parses it
    }
    let k = (x * 1e9).round();
    // k < 2^22 * 10^9 < 2^53: exact as an f64 and as an integer.
    #[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
    (k / 1e9 == x).then_some(k as i128)
}

macro_rules! fixed_point {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i128);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// One.
            pub const ONE: Self = Self(ONE_RAW);

            /// The value whose raw integer (scaled by `10^9`) is `raw`.
            pub const fn from_raw(raw: i128) -> Self {
                Self(raw)
            }

            /// The raw integer, scaled by `10^9`.
            pub const fn raw(self) -> i128 {
                self.0
            }

            /// The value of a finite `f64` read at its shortest round-trip text (what `x.to_string()` prints, how
            /// bar prices from float columns are taken), or the parse error of that text; NaN and infinities are
            /// an error too. A fast path skips the text for the usual case, with the same result.
            pub fn from_f64(x: f64) -> Result<Self, MoneyError> {
                match shortest_raw(x) {
                    Some(raw) => Ok(Self(raw)),
                    None => x.to_string().parse(),
                }
            }

            /// The whole number `units`.
            pub const fn from_units(units: i64) -> Self {
                Self(units as i128 * ONE_RAW)
            }

            /// Is this exactly zero?
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// Is this strictly above zero?
            pub const fn is_positive(self) -> bool {
                self.0 > 0
            }

            /// Is this strictly below zero?
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }

            /// `self + other`, or an overflow error.
            pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
                self.0.checked_add(other.0).map(Self).ok_or(MoneyError::Overflow { op: concat!($what, " add") })
            }

            /// `self - other`, or an overflow error.
            pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
                self.0.checked_sub(other.0).map(Self).ok_or(MoneyError::Overflow { op: concat!($what, " sub") })
            }

            /// `-self`, or an overflow error.
            pub fn checked_neg(self) -> Result<Self, MoneyError> {
                self.0.checked_neg().map(Self).ok_or(MoneyError::Overflow { op: concat!($what, " neg") })
            }

            /// The absolute value (saturating at the largest value; `i128::MIN` is never produced by parsing).
            pub fn abs(self) -> Self {
                Self(self.0.saturating_abs())
            }

            /// `self * factor` where `factor` is a plain fixed-point number (e.g. a fraction), rounded by `mode`.
            pub fn checked_scale(self, factor: Self, mode: Rounding) -> Result<Self, MoneyError> {
                let product = self.0.checked_mul(factor.0).ok_or(MoneyError::Overflow { op: concat!($what, " scale") })?;
                div_round(product, ONE_RAW, mode).map(Self).ok_or(MoneyError::Overflow { op: concat!($what, " scale") })
            }

            /// `self * numerator / denominator` in exact integer arithmetic, rounded by `mode`.
            pub fn checked_mul_ratio(self, numerator: i128, denominator: i128, mode: Rounding) -> Result<Self, MoneyError> {
                if denominator == 0 {
                    return Err(MoneyError::DivisionByZero { op: concat!($what, " ratio") });
                }
                let product = self.0.checked_mul(numerator).ok_or(MoneyError::Overflow { op: concat!($what, " ratio") })?;
                div_round(product, denominator, mode).map(Self).ok_or(MoneyError::Overflow { op: concat!($what, " ratio") })
            }

            /// Rounds to a multiple of `increment` (which must be positive) in the direction `mode`.
            pub fn round_to_increment(self, increment: Self, mode: Rounding) -> Result<Self, MoneyError> {
                if increment.0 <= 0 {
                    return Err(MoneyError::DivisionByZero { op: concat!($what, " round to increment") });
                }
                let steps = div_round(self.0, increment.0, mode)
                    .ok_or(MoneyError::Overflow { op: concat!($what, " round to increment") })?;
                steps.checked_mul(increment.0).map(Self).ok_or(MoneyError::Overflow { op: concat!($what, " round to increment") })
            }

            /// Is this an exact multiple of `increment`? (Always false for a non-positive increment.)
            pub fn is_multiple_of(self, increment: Self) -> bool {
                increment.0 > 0 && self.0 % increment.0 == 0
            }
        }

        impl FromStr for $name {
            type Err = MoneyError;

            /// Parses plain decimal text (`"-12.5"`, `"100"`, `"0.000000001"`) exactly; more than 9 significant
            /// decimals is an error, never a silent rounding.
            fn from_str(text: &str) -> Result<Self, MoneyError> {
                parse_raw(text).map(Self)
            }
        }

        impl fmt::Display for $name {
            /// The shortest exact decimal text: no exponent, no trailing zeros (`1.5`, `100`, `-0.25`).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_raw(self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl Serialize for $name {
            /// As decimal text, so JSON never routes the value through a float.
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

fixed_point!(
    /// A price per unit of an instrument, in the quote currency.
    Price,
    "price"
);
fixed_point!(
    /// A quantity of an instrument (shares, coins); signed so it can also hold a position.
    Quantity,
    "quantity"
);
fixed_point!(
    /// An amount of money in the quote currency.
    Money,
    "money"
);

impl Price {
    /// The notional `self * quantity`, rounded to 9 decimals by `mode`.
    pub fn notional(self, quantity: Quantity, mode: Rounding) -> Result<Money, MoneyError> {
        let exact = self
            .0
            .checked_mul(quantity.0)
            .ok_or(MoneyError::Overflow { op: "notional" })?;
        div_round(exact, ONE_RAW, mode)
            .map(Money)
            .ok_or(MoneyError::Overflow { op: "notional" })
    }

    /// This price moved by `bps` basis points (positive = up), rounded by `mode`.
    pub fn offset_bps(self, bps: i64, mode: Rounding) -> Result<Price, MoneyError> {
        self.checked_mul_ratio(10_000 + i128::from(bps), 10_000, mode)
    }
}

/// The exact running sum of `price * quantity` over fills (kept at 18 decimals, so nothing is ever rounded away).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotionalSum {
    raw_scale_18: i128,
}

impl NotionalSum {
    /// Adds one fill of `quantity` at `price`.
    pub fn add(&mut self, price: Price, quantity: Quantity) -> Result<(), MoneyError> {
        let product = price
            .0
            .checked_mul(quantity.0)
            .ok_or(MoneyError::Overflow {
                op: "fill notional",
            })?;
        self.raw_scale_18 = self
            .raw_scale_18
            .checked_add(product)
            .ok_or(MoneyError::Overflow {
                op: "fill notional",
            })?;
        Ok(())
    }

    /// The total notional rounded to 9 decimals by `mode`.
    pub fn total(self, mode: Rounding) -> Result<Money, MoneyError> {
        div_round(self.raw_scale_18, ONE_RAW, mode)
            .map(Money)
            .ok_or(MoneyError::Overflow {
                op: "fill notional",
            })
    }

    /// The volume-weighted average price over `total_quantity`, correctly rounded from the exact sum.
    pub fn average_price(
        self,
        total_quantity: Quantity,
        mode: Rounding,
    ) -> Result<Price, MoneyError> {
        if total_quantity.is_zero() {
            return Err(MoneyError::DivisionByZero {
                op: "average fill price",
            });
        }
        div_round(self.raw_scale_18, total_quantity.0, mode)
            .map(Price)
            .ok_or(MoneyError::Overflow {
                op: "average fill price",
            })
    }
}

#[cfg(test)]
#[path = "money_proptests.rs"]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_displays_canonically() {
        assert_eq!(p("1.50").to_string(), "1.5");
        assert_eq!(p("-0.25").to_string(), "-0.25");
        assert_eq!(p("+100").to_string(), "100");
        assert_eq!(p("0.000000001").raw(), 1);
        assert_eq!(p("1.0000000000000").raw(), ONE_RAW);
        assert_eq!(p("-0").to_string(), "0");
    }

    #[test]
    fn refuses_bad_text_with_the_reason() {
        for bad in [
            "", "-", "1.", ".5", "1e5", "1,5", "abc", " 1", "1.2.3", "--1",
        ] {
            let err = bad.parse::<Price>().unwrap_err();
            assert!(
                matches!(err, MoneyError::Parse { .. }),
                "{bad:?} gave {err:?}"
            );
        }
        assert!(matches!(
            "0.0000000001".parse::<Price>(),
            Err(MoneyError::TooPrecise { .. })
        ));
        let huge = "9".repeat(40);
        assert!(matches!(
            huge.parse::<Price>(),
            Err(MoneyError::Parse {
                why: "too large",
                ..
            })
        ));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let max = Money::from_raw(i128::MAX);
        assert!(matches!(
            max.checked_add(Money::from_raw(1)),
            Err(MoneyError::Overflow { .. })
        ));
        assert!(Money::from_raw(i128::MIN).checked_neg().is_err());
    }

    #[test]
    fn notional_and_average_price_are_exact() {
        let money = p("10.01")
            .notional("3".parse().unwrap(), Rounding::HalfEven)
            .unwrap();
        assert_eq!(money.to_string(), "30.03");
        let mut sum = NotionalSum::default();
        sum.add(p("10"), Quantity::from_units(1)).unwrap();
        sum.add(p("11"), Quantity::from_units(2)).unwrap();
        // (10 + 22) / 3 = 10.666666666666...: the exact sum rounds once.
        assert_eq!(
            sum.average_price(Quantity::from_units(3), Rounding::HalfEven)
                .unwrap(),
            p("10.666666667")
        );
        assert_eq!(
            sum.average_price(Quantity::from_units(3), Rounding::Down)
                .unwrap(),
            p("10.666666666")
        );
        assert!(sum.average_price(Quantity::ZERO, Rounding::Down).is_err());
    }

    #[test]
    fn rounding_modes_follow_their_definitions() {
        let cases = [
            (7, 2, 3, 4, 3, 4),
            (-7, 2, -4, -3, -3, -4),
            (5, 2, 2, 3, 2, 2),
            (3, 2, 1, 2, 1, 2),
            (6, 3, 2, 2, 2, 2),
        ];
        for (num, den, down, up, zero, even) in cases {
            assert_eq!(div_round(num, den, Rounding::Down), Some(down));
            assert_eq!(div_round(num, den, Rounding::Up), Some(up));
            assert_eq!(div_round(num, den, Rounding::TowardZero), Some(zero));
            assert_eq!(div_round(num, den, Rounding::HalfEven), Some(even));
        }
        assert_eq!(div_round(1, 0, Rounding::Down), None);
        assert_eq!(
            p("10.005")
                .round_to_increment(p("0.01"), Rounding::HalfEven)
                .unwrap(),
            p("10")
        );
        assert_eq!(
            p("10.015")
                .round_to_increment(p("0.01"), Rounding::HalfEven)
                .unwrap(),
            p("10.02")
        );
        assert_eq!(p("100").offset_bps(5, Rounding::Up).unwrap(), p("100.05"));
    }

    #[test]
    fn serde_uses_exact_text() {
        let json = serde_json::to_string(&p("0.1")).unwrap();
        assert_eq!(json, "\"0.1\"");
        assert_eq!(serde_json::from_str::<Price>("\"0.1\"").unwrap(), p("0.1"));
        assert!(
            serde_json::from_str::<Price>("0.1").is_err(),
            "a JSON float must not be accepted"
        );
    }
}
