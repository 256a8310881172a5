"""Where Alpaca is and which keys to use: from arguments or the APCA_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from trader.alpaca.errors import AlpacaError

KEY_ID_ENV = "APCA_API_KEY_ID"
SECRET_ENV = "APCA_API_SECRET_KEY"
BASE_URL_ENV = "APCA_API_BASE_URL"
DATA_URL_ENV = "APCA_API_DATA_URL"
PAPER_URL = "https://paper-api.alpaca.markets"
DATA_URL = "https://data.alpaca.markets"
DATA_STREAM_URL = "wss://stream.data.alpaca.markets"
DATA_STREAM_URL_ENV = "APCA_API_DATA_STREAM_URL"


@dataclass(frozen=True)
class AlpacaSettings:
    """Trading and market-data base URLs and the API keys. The secret never appears in `repr` or errors."""

    key_id: str
    secret_key: str = field(repr=False)
    base_url: str = PAPER_URL
    data_url: str = DATA_URL
    data_stream_url: str = DATA_STREAM_URL
    key_id_source: str = KEY_ID_ENV
    secret_source: str = SECRET_ENV

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlpacaSettings:
        """Reads APCA_API_KEY_ID, APCA_API_SECRET_KEY and optionally APCA_API_BASE_URL, APCA_API_DATA_URL and
        APCA_API_DATA_STREAM_URL."""
        env = os.environ if env is None else env
        missing = [name for name in (KEY_ID_ENV, SECRET_ENV) if not env.get(name, "").strip()]
        if missing:
            raise AlpacaError(f"Alpaca keys not configured: set {' and '.join(missing)}")
        return cls(
            key_id=env[KEY_ID_ENV].strip(),
            secret_key=env[SECRET_ENV].strip(),
            base_url=env.get(BASE_URL_ENV, PAPER_URL).rstrip("/"),
            data_url=env.get(DATA_URL_ENV, DATA_URL).rstrip("/"),
            data_stream_url=env.get(DATA_STREAM_URL_ENV, DATA_STREAM_URL).rstrip("/"),
        )

    @property
    def credential_names(self) -> str:
        """The names of the settings holding the keys, for error messages."""
        return f"{self.key_id_source} / {self.secret_source}"
