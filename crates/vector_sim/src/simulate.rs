//! The one-pass simulation: a signal decided at bar t's close becomes a market order filled at bar t+1's open.

use exec_gateway::fees::Liquidity;
use exec_gateway::matching::slipped;
use exec_gateway::money::{Price, Quantity};
use exec_gateway::order::{Fee, Side};

use crate::error::VectorSimError;
use crate::exact::{ONE_E18, Wide, add, mul, nearest_f64, price_at, pro_rata, widen};
use crate::settings::{Settings, Sizing};

/// The bars and signals of one symbol, all the same length. A signal at `t` is decided at `close[t]`.
#[derive(Clone, Copy, Debug)]
pub struct Signals<'a> {
    /// Bar opens: market orders fill here (plus slippage).
    pub open: &'a [f64],
    /// Bar closes: the mark of the equity curve, and the price fraction sizing divides by.
    pub close: &'a [f64],
    /// Go long (closing any short first). Ignored while long, and when `exits` is also set.
    pub entries: &'a [bool],
    /// Close the long (or, shorts allowed, go short). Ignored while short, and when `entries` is also set.
    pub exits: &'a [bool],
}

/// One execution at a bar's open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// Bar of the fill (the order was decided at the bar before).
    pub index: usize,
    /// Buy or sell.
    pub side: Side,
    /// Units traded (> 0).
    pub quantity: Quantity,
    /// Execution price: the open moved by the slippage against the order.
    pub price: Price,
    /// Commission, in cash.
    pub fee: exec_gateway::money::Money,
}

/// A position from the fill that opened it to the fill that closed it (the ledger's FIFO round trip).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trade {
    /// Bar of the entry fill.
    pub entry_index: usize,
    /// Bar of the exit fill.
    pub exit_index: usize,
    /// Long or short.
    pub long: bool,
    /// Units (> 0).
    pub quantity: Quantity,
    /// Entry fill price.
    pub entry_price: Price,
    /// Exit fill price.
    pub exit_price: Price,
    /// (exit - entry) x qty for a long, the negative for a short, at 18 decimals.
    pub gross_pnl: Wide,
    /// The entry fee's share plus the exit fee's share (pro rata by quantity), at 18 decimals.
    pub fees: Wide,
}

/// The position still held after the last bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenLot {
    /// Bar of the entry fill.
    pub entry_index: usize,
    /// Long or short.
    pub long: bool,
    /// Units (> 0).
    pub quantity: Quantity,
    /// Entry fill price.
    pub entry_price: Price,
    /// The entry fee not yet charged to a trade, at 18 decimals.
    pub fee: Wide,
}

/// The exact books after the last bar; the per-bar curve went into the caller's arrays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Every fill, in time order.
    pub fills: Vec<Fill>,
    /// Every closed round trip, in the order they closed.
    pub trades: Vec<Trade>,
    /// The position held at the end, if any.
    pub open_lot: Option<OpenLot>,
    /// Cash at the end, at 18 decimals.
    pub cash: Wide,
    /// Signed units held at the end.
    pub position: Quantity,
    /// All fees paid, at 18 decimals.
    pub fees: Wide,
    /// Cash plus the position at the last close, at 18 decimals.
    pub final_equity: Wide,
}

/// Cash, position and lot as the run goes, with float shadows for the per-bar mark.
struct Books<'s> {
    settings: &'s Settings,
    fills: Vec<Fill>,
    trades: Vec<Trade>,
    lot: Option<OpenLot>,
    cash: Wide,
    position: Quantity,
    fees: Wide,
    // The event engine marks with float(cash) + float(qty) x close; the same floats give the same curve.
    cash_f64: f64,
    position_f64: f64,
}

impl Books<'_> {
    /// Cash plus the position at `close`, exact.
    fn equity_at(&self, close: Price, index: usize) -> Result<Wide, VectorSimError> {
        add(
            self.cash,
            mul(self.position.raw(), close.raw(), index)?,
            index,
        )
    }

    /// The size of a new position decided at bar `index`.
    fn size(&self, close: &[f64], index: usize) -> Result<Quantity, VectorSimError> {
        Ok(match self.settings.sizing {
            Sizing::Fixed(qty) => qty,
            Sizing::Fraction(fraction) => {
                let price = price_at(close, index, "close")?;
                let budget = mul(self.equity_at(price, index)?, fraction.raw(), index)?;
                // budget is at 27 decimals, price x 10^18 too: the quotient is whole units, floored.
                let units = budget.div_euclid(mul(price.raw(), ONE_E18, index)?).max(0);
                Quantity::from_raw(mul(units, crate::exact::ONE_E9, index)?)
            }
        })
    }

    /// The order decided at bar `index`'s close, if any (the event engine's `ema_cross` rules).
    fn decide(
        &self,
        entry: bool,
        close: &[f64],
        index: usize,
    ) -> Result<Option<(Side, Quantity)>, VectorSimError> {
        let held = self.position.raw();
        let order = if entry {
            if held > 0 {
                return Ok(None);
            }
            (Side::Buy, self.size(close, index)?.raw() - held)
        } else {
            if held < 0 {
                return Ok(None);
            }
            if self.settings.long_only {
                (Side::Sell, held)
            } else {
                (Side::Sell, self.size(close, index)?.raw() + held)
            }
        };
        Ok((order.1 > 0).then_some((order.0, Quantity::from_raw(order.1))))
    }

    /// Executes `quantity` at bar `index`'s open and books it: cash, fee, position, round trips.
    fn fill(
        &mut self,
        side: Side,
        quantity: Quantity,
        open: &[f64],
        index: usize,
    ) -> Result<(), VectorSimError> {
        let money = |source| VectorSimError::Money { index, source };
        let price = slipped(
            side,
            price_at(open, index, "open")?,
            self.settings.slippage_bps,
        )
        .map_err(money)?;
        let fee = match self
            .settings
            .fees
            .fee(side, quantity, price, Liquidity::Taker)
            .map_err(money)?
        {
            Fee::Quote(fee) => fee,
            Fee::Base(_) => unreachable!("Settings::validate refuses fees in the traded coin"),
        };
        let buy = side == Side::Buy;
        let signed = if buy { quantity.raw() } else { -quantity.raw() };
        let fee_wide = widen(fee);
        let flow = mul(signed, price.raw(), index)?;
        self.cash = add(add(self.cash, -flow, index)?, -fee_wide, index)?;
        self.fees = add(self.fees, fee_wide, index)?;
        self.book_lot(buy, quantity, price, fee_wide, index)?;
        self.position = Quantity::from_raw(add(self.position.raw(), signed, index)?);
        self.cash_f64 = nearest_f64(self.cash, 18);
        self.position_f64 = nearest_f64(self.position.raw(), 9);
        self.fills.push(Fill {
            index,
            side,
            quantity,
            price,
            fee,
        });
        Ok(())
    }

    /// FIFO round trips: a fill against the lot closes (part of) it; what is left opens a new lot.
    fn book_lot(
        &mut self,
        buy: bool,
        size: Quantity,
        price: Price,
        fee: Wide,
        index: usize,
    ) -> Result<(), VectorSimError> {
        let mut rest = size;
        let mut rest_fee = fee;
        if let Some(lot) = self.lot.as_mut() {
            // `decide` never adds to a position, so a fill with a lot open always goes against it.
            debug_assert_ne!(lot.long, buy, "a fill never adds to the open lot");
            let closing = size.min(lot.quantity);
            let exit_fee = if closing == size {
                fee
            } else {
                pro_rata(fee, closing, size, index)?
            };
            let entry_fee = if closing == lot.quantity {
                lot.fee
            } else {
                pro_rata(lot.fee, closing, lot.quantity, index)?
            };
            let moved = price.raw() - lot.entry_price.raw();
            let gross = mul(closing.raw(), if lot.long { moved } else { -moved }, index)?;
            self.trades.push(Trade {
                entry_index: lot.entry_index,
                exit_index: index,
                long: lot.long,
                quantity: closing,
                entry_price: lot.entry_price,
                exit_price: price,
                gross_pnl: gross,
                fees: add(entry_fee, exit_fee, index)?,
            });
            lot.quantity = Quantity::from_raw(lot.quantity.raw() - closing.raw());
            lot.fee -= entry_fee;
            if lot.quantity.is_positive() {
                return Ok(());
            }
            self.lot = None;
            rest = Quantity::from_raw(size.raw() - closing.raw());
            rest_fee = fee - exit_fee;
        }
        if rest.is_positive() {
            self.lot = Some(OpenLot {
                entry_index: index,
                long: buy,
                quantity: rest,
                entry_price: price,
                fee: rest_fee,
            });
        }
        Ok(())
    }
}

fn check_price(values: &[f64], index: usize, field: &'static str) -> Result<(), VectorSimError> {
    let value = values[index];
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(VectorSimError::BadPrice {
            index,
            field,
            value,
        })
    }
}

/// Simulates `signals` under `settings`, writing each bar's equity and net exposure (at its close, after
/// that bar's fill) into `equity` and `net_exposure`, and returns the exact books.
///
/// Bar t: the order decided at t-1 fills at `open[t]` (slipped against the order, fee charged); the books
/// are marked at `close[t]`; then the signals of t decide the next order. Nothing at t sees a later bar.
/// Money is exact: prices and quantities at 9 decimals, cash and P&L at 18, so nothing is rounded except
/// where the gateway rounds (slippage, fees) and the ledger does (pro-rata fee shares, half-even at 18).
pub fn simulate(
    signals: Signals<'_>,
    settings: &Settings,
    equity: &mut [f64],
    net_exposure: &mut [f64],
) -> Result<Outcome, VectorSimError> {
    settings.validate()?;
    let n = signals.open.len();
    for (field, got) in [
        ("close", signals.close.len()),
        ("entries", signals.entries.len()),
        ("exits", signals.exits.len()),
        ("equity", equity.len()),
        ("net_exposure", net_exposure.len()),
    ] {
        if got != n {
            return Err(VectorSimError::Length {
                field,
                got,
                expected: n,
            });
        }
    }
    if n == 0 {
        return Err(VectorSimError::Empty);
    }
    let cash = widen(settings.starting_cash);
    let mut books = Books {
        settings,
        fills: Vec::new(),
        trades: Vec::new(),
        lot: None,
        cash,
        position: Quantity::ZERO,
        fees: 0,
        cash_f64: nearest_f64(cash, 18),
        position_f64: 0.0,
    };
    let Signals {
        open,
        close,
        entries,
        exits,
    } = signals;
    let mut pending: Option<(Side, Quantity)> = None;
    for t in 0..n {
        check_price(open, t, "open")?;
        check_price(close, t, "close")?;
        if let Some((side, quantity)) = pending.take() {
            books.fill(side, quantity, open, t)?;
        }
        let net = books.position_f64 * close[t];
        net_exposure[t] = net;
        equity[t] = books.cash_f64 + net;
        if entries[t] != exits[t] {
            pending = books.decide(entries[t], close, t)?;
        }
    }
    let last = price_at(close, n - 1, "close")?;
    let final_equity = books.equity_at(last, n - 1)?;
    Ok(Outcome {
        fills: books.fills,
        trades: books.trades,
        open_lot: books.lot,
        cash: books.cash,
        position: books.position,
        fees: books.fees,
        final_equity,
    })
}
