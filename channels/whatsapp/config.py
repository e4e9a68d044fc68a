"""The WhatsApp channel's configuration (credentials.yml, from the WHATSAPP_* variables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from channels.identity import key_problem
from channels.whatsapp.graph import DEFAULT_API_BASE_URL


@dataclass(frozen=True)
class WhatsAppConfig:
    verify_token: str = ""
    app_secret: str = ""
    access_token: str = ""
    phone_number_id: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    phone_hash_key: str = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppConfig":
        values = {k: str(v).strip() for k, v in (credentials or {}).items() if v is not None}
        return cls(
            verify_token=values.get("verify_token", ""),
            app_secret=values.get("app_secret", ""),
            access_token=values.get("access_token", ""),
            phone_number_id=values.get("phone_number_id", ""),
            api_base_url=values.get("api_base_url") or DEFAULT_API_BASE_URL,
            phone_hash_key=values.get("phone_hash_key", ""),
        )

    def problems(self) -> List[str]:
        """What is missing to receive and answer messages (empty list: ready)."""
        missing = [
            name
            for name, value in (
                ("WHATSAPP_APP_SECRET", self.app_secret),
                ("WHATSAPP_ACCESS_TOKEN", self.access_token),
                ("WHATSAPP_PHONE_NUMBER_ID", self.phone_number_id),
            )
            if not value
        ]
        problems = [f"{name} no está definido" for name in missing]
        if problem := key_problem(self.phone_hash_key):
            problems.append(problem)
        return problems
