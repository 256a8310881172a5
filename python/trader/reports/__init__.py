"""Reports: self-contained HTML (and other formats) for backtests and daily account summaries."""
