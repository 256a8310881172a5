//! Exact values from float bar arrays and back: prices at their shortest decimal text, money at 18 decimals.

use exec_gateway::money::{Money, Price, Quantity};

use crate::error::VectorSimError;

/// `10^9`: the raw integer of `1` in the gateway's fixed-point types (`Price`, `Quantity`, `Money`).
pub const ONE_E9: i128 = 1_000_000_000;

/// Money at 18 decimals (`1` is `10^18`): a price times a quantity, both at 9 decimals, lands here exactly.
pub type Wide = i128;

/// `10^18`: the raw integer of `1` in a [`Wide`] amount.
pub const ONE_E18: Wide = ONE_E9 * ONE_E9;

const ONE_E9_F64: f64 = 1e9;
/// `2^53`: integers below it convert to f64 exactly.
const EXACT_INT: i128 = 1 << 53;

/// The bar price `values[index]` as the decimal its shortest text names (`97.31` is exactly 97.31), the way
/// the event engine's gateway reads a float bar (`Price::from_f64`); more than 9 decimals is an error naming the
/// bar.
pub fn price_at(
    values: &[f64],
    index: usize,
    field: &'static str,
) -> Result<Price, VectorSimError> {
    let value = values[index];
    Price::from_f64(value).map_err(|source| VectorSimError::Inexact {
        index,
        field,
        value,
        source,
    })
}

/// A 9-decimal amount at 18 decimals.
pub fn widen(money: Money) -> Wide {
    money.raw() * ONE_E9
}

/// The float nearest to `raw / 10^decimals` (correctly rounded, like Python's `float(Decimal)`).
pub fn nearest_f64(raw: i128, decimals: u32) -> f64 {
    // Fast path: a whole number of 1e-9 below 2^53 is exact as f64, and one IEEE division rounds correctly.
    let nines = match decimals {
        9 => Some(raw),
        18 if raw % ONE_E9 == 0 => Some(raw / ONE_E9),
        _ => None,
    };
    if let Some(nines) = nines.filter(|n| n.abs() < EXACT_INT) {
        return nines as f64 / ONE_E9_F64;
    }
    format!("{raw}e-{decimals}")
        .parse()
        .expect("an integer with a decimal exponent is valid float text")
}

/// `total * part / whole` rounded half-even at 18 decimals: the ledger's pro-rata share of a fee.
///
/// `total >= 0`, `0 < part <= whole`. Split as `(q * whole + r) * part / whole` so no product exceeds
/// `whole * part` beyond the exact `q * part`: a large fee times a large quantity cannot overflow.
pub fn pro_rata(
    total: Wide,
    part: Quantity,
    whole: Quantity,
    index: usize,
) -> Result<Wide, VectorSimError> {
    let (part, whole) = (part.raw(), whole.raw());
    let (q, r) = (total.div_euclid(whole), total.rem_euclid(whole));
    let num = mul(r, part, index)?;
    let floor = add(mul(q, part, index)?, num / whole, index)?;
    let twice_rest = 2 * (num % whole);
    let up = twice_rest > whole || (twice_rest == whole && floor % 2 != 0);
    Ok(floor + i128::from(up))
}

/// `a * b` or an overflow error at bar `index`.
pub fn mul(a: i128, b: i128, index: usize) -> Result<i128, VectorSimError> {
    a.checked_mul(b).ok_or(VectorSimError::Money {
        index,
        source: exec_gateway::error::MoneyError::Overflow {
            op: "vector sim multiply",
        },
    })
}

/// `a + b` or an overflow error at bar `index`.
pub fn add(a: i128, b: i128, index: usize) -> Result<i128, VectorSimError> {
    a.checked_add(b).ok_or(VectorSimError::Money {
        index,
        source: exec_gateway::error::MoneyError::Overflow {
            op: "vector sim add",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_at_their_shortest_text() {
        assert_eq!(price_at(&[97.31], 0, "open").unwrap().to_string(), "97.31");
        assert_eq!(
            price_at(&[0.1 + 0.2], 0, "open").unwrap_err().to_string(),
            "bar 0: field `open` = 0.30000000000000004: \"0.30000000000000004\" has more than 9 decimal places and cannot be held exactly"
        );
    }

    #[test]
    fn nearest_f64_agrees_with_parsing_the_text() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let raw = i128::from(state >> 1) * if state.is_multiple_of(5) { ONE_E9 } else { 1 };
            for decimals in [9, 18] {
                let text: f64 = format!("{raw}e-{decimals}").parse().unwrap();
                assert_eq!(nearest_f64(raw, decimals), text, "{raw}e-{decimals}");
            }
        }
    }

    #[test]
    fn floats_are_correctly_rounded() {
        assert_eq!(nearest_f64(1, 1), 0.1);
        assert_eq!(nearest_f64(-123_456_789_000_000_000_001, 18), -123.456789);
        assert_eq!(nearest_f64(3, 0), 3.0);
    }

    #[test]
    fn pro_rata_rounds_half_even() {
        let third = pro_rata(10, Quantity::from_units(1), Quantity::from_units(3), 0).unwrap();
        assert_eq!(third, 3);
        let half = pro_rata(5, Quantity::from_units(1), Quantity::from_units(2), 0).unwrap();
        assert_eq!(half, 2);
        let half = pro_rata(7, Quantity::from_units(1), Quantity::from_units(2), 0).unwrap();
        assert_eq!(half, 4);
        let huge = pro_rata(
            10_i128.pow(30),
            Quantity::from_units(1),
            Quantity::from_units(3),
            0,
        );
        assert_eq!(huge.unwrap(), 333_333_333_333_333_333_333_333_333_333);
    }
}
