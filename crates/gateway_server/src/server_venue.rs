//! The venue the server runs: the durable simulator or Alpaca, behind one `Venue` so one gateway type serves both.

use alpaca_venue::AlpacaVenue;
use exec_gateway::error::VenueError;
use exec_gateway::matching::Bar;
use exec_gateway::order::{ClientOrderId, OrderIntent};
use exec_gateway::sim::SimVenue;
use exec_gateway::venue::{Venue, VenueAck, VenueEvent, VenueOrder, VenuePosition};

use crate::durable_venue::DurableSimVenue;

/// The configured venue (`[venue] kind = "sim" | "alpaca"`).
#[derive(Debug)]
pub enum ServerVenue {
    /// The simulator, persisted across restarts.
    Sim(DurableSimVenue),
    /// Alpaca's Trading API.
    Alpaca(AlpacaVenue),
}

impl ServerVenue {
    /// The simulator, when that is the venue (health reports its order count).
    pub fn sim(&self) -> Option<&SimVenue> {
        match self {
            Self::Sim(venue) => Some(venue.sim()),
            Self::Alpaca(_) => None,
        }
    }

    /// Feeds a bar to the simulator; Alpaca has its own market, so bars are refused there.
    pub fn on_bar(&mut self, bar: &Bar) -> Result<(), String> {
        match self {
            Self::Sim(venue) => venue.on_bar(bar),
            Self::Alpaca(_) => Err(
                "bars drive the simulated venue only; this gateway trades on Alpaca (venue.kind = \"alpaca\")"
                    .into(),
            ),
        }
    }

    /// True for Alpaca: events come from polling, so the server polls on a timer.
    pub fn needs_polling(&self) -> bool {
        matches!(self, Self::Alpaca(_))
    }
}

impl Venue for ServerVenue {
    fn submit(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError> {
        match self {
            Self::Sim(v) => v.submit(intent),
            Self::Alpaca(v) => v.submit(intent),
        }
    }

    fn replace(&mut self, old: &ClientOrderId, new: &OrderIntent) -> Result<VenueAck, VenueError> {
        match self {
            Self::Sim(v) => v.replace(old, new),
            Self::Alpaca(v) => v.replace(old, new),
        }
    }

    fn cancel(&mut self, id: &ClientOrderId) -> Result<(), VenueError> {
        match self {
            Self::Sim(v) => v.cancel(id),
            Self::Alpaca(v) => v.cancel(id),
        }
    }

    fn order(&mut self, id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError> {
        match self {
            Self::Sim(v) => v.order(id),
            Self::Alpaca(v) => v.order(id),
        }
    }

    fn positions(&mut self) -> Result<Vec<VenuePosition>, VenueError> {
        match self {
            Self::Sim(v) => v.positions(),
            Self::Alpaca(v) => v.positions(),
        }
    }

    fn poll_events(&mut self) -> Vec<VenueEvent> {
        match self {
            Self::Sim(v) => v.poll_events(),
            Self::Alpaca(v) => v.poll_events(),
        }
    }
}
