"""Short social messages the NLU may not place: acknowledgements and complaints.

The NLU has intents for them (`acknowledge`, `complain`); these checks catch what it
sends to the fallback, such as an emoji alone ("👍", "👌") or a one-word "ya", so that
the citizen gets "¿Le ayudo en algo más?" or a calm answer, not "no logré entender".
"""

from __future__ import annotations

import re
import unicodedata

from actions.countries import fold

_ACK_WORDS = re.compile(
    r"^(ok+|okey|okay|oki|oka|okas|okis|okey dokey|oki doki|ya+|ya ya|listo|list|entendido|entiendo|perfecto|dale|va"
    r"|vale|claro|bueno|bien|"
    r"ah+ ok+|ah+ ya+|ok gracias|ya veo|de acuerdo|ajá|aja|ah+|oh+|mmm+|si+|genial|excelente|chevere|"
    r"ok listo|ya listo|esta bien|ta bien|okas|okis|ya entendi|entendi)$"
)
_COMPLAINT = re.compile(
    r"\b(inutil|inservible|no sirves|no sirve|no sirven|no me (ayudas|ayuda|entiendes|entiende|responde[s]?)|"
    r"pesimo|malisimo|basura|idiota|estupid[oa]|tont[oa]|imbecil|porqueria|mierda|carajo|ctm|conchatumare|"
    r"huev[oa]n|cojud[oa]|que mal servicio|mal servicio|no entiendes nada|bot de mierda|me tienes harto|"
    r"harto|harta|ya me canse|verguenza|una burla|no funciona)\b"
)


def _emoji_only(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and all(unicodedata.category(c) in ("So", "Sk", "Mn", "Cf", "Po") for c in letters)


_ACK_EMOJI = set("👍👌🙏🙂😊👏✅🆗💪🤝😀😃😄☺👍🏻👍🏼👍🏽👍🏾👍🏿")


def is_acknowledgement(text: str) -> bool:
    """ "ok", "ya", "listo", "👍", "👌"."""
    stripped = (text or "").strip()
    if _emoji_only(stripped):
        return any(c in _ACK_EMOJI for c in stripped) or not any(c in "😡🤬👎😠" for c in stripped)
    words = re.sub(r"[^\w ]", " ", fold(stripped))
    words = " ".join(words.split())
    return bool(_ACK_WORDS.match(words))


def is_complaint(text: str) -> bool:
    """Frustration or an insult: "no sirves", "bot inútil", "😡"."""
    stripped = (text or "").strip()
    if any(c in "😡🤬👎😠" for c in stripped):
        return True
    return bool(_COMPLAINT.search(fold(stripped)))


def is_short_followup(text: str) -> bool:
    """ "¿cuándo?", "¿y a Lima?", "¿cuánta exactamente?": a few words leaning on the last answer."""
    words = re.findall(r"\w+", fold(text or ""))
    return 0 < len(words) <= 10 and not _COMPLAINT.search(fold(text or ""))
