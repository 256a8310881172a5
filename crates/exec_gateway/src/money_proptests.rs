//! Property tests of the fixed-point types.
//!
//! - display then parse gives back the same value, and display is canonical (parse of any decimal text, then
//!   display, then parse is stable);
//! - addition is associative and subtraction undoes it whenever nothing overflows;
//! - rounding to an increment lands on a multiple, in the asked direction, less than one increment away;
//! - half-even rounding is never further than half an increment from the exact value;
//! - the average fill price lies between the lowest and highest fill price.

use proptest::prelude::*;

use super::*;

const RANGE: i128 = 1_000_000_000_000_000_000_000_000; // 10^27 raw = 10^18 units: far beyond any real amount

proptest! {
    #[test]
    fn from_f64_equals_parsing_the_shortest_text(x in prop_oneof![
        any::<f64>(),
        (0i64..5_000_000_000_000_000).prop_map(|k| k as f64 / 1e9),
        (0i64..10_000_000_000).prop_map(|k| k as f64 / 100.0),
        (-1e7..1e7f64),
        // Whole numbers such as bar volumes, up to and past 2^53.
        (-(1i64 << 54)..(1i64 << 54)).prop_map(|k| k as f64),
        (0i64..100_000_000_000).prop_map(|k| (k * 1000) as f64),
    ]) {
        let by_text: Result<Price, MoneyError> = x.to_string().parse();
        match (Price::from_f64(x), by_text) {
            (Ok(fast), Ok(text)) => prop_assert_eq!(fast, text, "x = {:?}", x),
            (Err(_), Err(_)) => {}
            (fast, text) => prop_assert!(false, "x = {:?}: from_f64 {:?}, text {:?}", x, fast, text),
        }
    }

    #[test]
    fn display_parse_round_trip(raw in -RANGE..RANGE) {
        let value = Price::from_raw(raw);
        let text = value.to_string();
        prop_assert_eq!(text.parse::<Price>().unwrap(), value);
        prop_assert!(!text.contains('e') && !text.ends_with('.'));
        if text.contains('.') {
            prop_assert!(!text.ends_with('0'), "canonical text has no trailing zeros: {}", text);
        }
    }

    #[test]
    fn parsing_decimal_text_is_exact(int_part in 0u64..1_000_000_000_000, frac in "[0-9]{0,9}", negative in any::<bool>()) {
        let text = if frac.is_empty() { int_part.to_string() } else { format!("{int_part}.{frac}") };
        let text = if negative { format!("-{text}") } else { text };
        let value: Quantity = text.parse().unwrap();
        let padded = format!("{frac:0<9}");
        let expected = i128::from(int_part) * ONE_RAW + padded.parse::<i128>().unwrap();
        prop_assert_eq!(value.raw(), if negative { -expected } else { expected });
        prop_assert_eq!(value.to_string().parse::<Quantity>().unwrap(), value);
    }

    #[test]
    fn addition_is_associative_and_subtraction_undoes_it(a in -RANGE..RANGE, b in -RANGE..RANGE, c in -RANGE..RANGE) {
        let (a, b, c) = (Money::from_raw(a), Money::from_raw(b), Money::from_raw(c));
        let left = a.checked_add(b).unwrap().checked_add(c).unwrap();
        let right = a.checked_add(b.checked_add(c).unwrap()).unwrap();
        prop_assert_eq!(left, right);
        prop_assert_eq!(left.checked_sub(c).unwrap().checked_sub(b).unwrap(), a);
    }

    #[test]
    fn rounding_to_an_increment_goes_the_asked_way(raw in -RANGE..RANGE, increment in 1i128..10_000_000_000_000) {
        let value = Price::from_raw(raw);
        let step = Price::from_raw(increment);
        let down = value.round_to_increment(step, Rounding::Down).unwrap();
        let up = value.round_to_increment(step, Rounding::Up).unwrap();
        let zero = value.round_to_increment(step, Rounding::TowardZero).unwrap();
        let even = value.round_to_increment(step, Rounding::HalfEven).unwrap();
        for rounded in [down, up, zero, even] {
            prop_assert!(rounded.is_multiple_of(step));
        }
        prop_assert!(down <= value && value.raw() - down.raw() < increment);
        prop_assert!(up >= value && up.raw() - value.raw() < increment);
        prop_assert!(zero.abs() <= value.abs());
        prop_assert!(2 * (even.raw() - raw).abs() <= increment);
        prop_assert!(even == down || even == up);
    }

    #[test]
    fn average_fill_price_lies_within_the_fills(fills in prop::collection::vec((1i64..1_000_000, 1i64..10_000), 1..20)) {
        let mut sum = NotionalSum::default();
        let mut total = Quantity::ZERO;
        for (price_cents, quantity) in &fills {
            sum.add(Price::from_raw(i128::from(*price_cents) * 10_000_000), Quantity::from_units(*quantity)).unwrap();
            total = total.checked_add(Quantity::from_units(*quantity)).unwrap();
        }
        let average = sum.average_price(total, Rounding::HalfEven).unwrap();
        let low = fills.iter().map(|f| f.0).min().unwrap();
        let high = fills.iter().map(|f| f.0).max().unwrap();
        prop_assert!(average >= Price::from_raw(i128::from(low) * 10_000_000));
        prop_assert!(average <= Price::from_raw(i128::from(high) * 10_000_000));
    }
}
