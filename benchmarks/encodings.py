"""How well storydiff guesses the encoding of a file that is not UTF-8.

A small labelled set made here: one news-like sentence in each of eight
languages, repeated six times, saved in the encodings a newsroom meets
(UTF-8, cp1252, Latin-1, Mac Roman, cp1250, ISO 8859-2, cp1251, KOI8-R,
cp1253), plus a UTF-8 file with four damaged bytes. A guess counts when the
text decodes exactly. ``python benchmarks/encodings.py``
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storydiff.corpus import BadInput, decode  # noqa: E402


def guess(data: bytes) -> tuple[str, str]:
    try:
        text, warning = decode(data)
        return text, warning or ""
    except BadInput as exc:
        return "", f"refused: {exc}"


SAMPLES = {
    "fr": "Le café naïve coûte 3 € à l'hôtel « Les Deux Magots » — très cher, dit-il. Où est la gare ? Ça va. ",
    "de": "Die Bürger in München müssen für die Straße 5 € zahlen; „Das ist schön“, sagte Jürgen Groß. ",
    "es": "El niño comió piñas en Málaga; ¿Qué pasó? «Sí», dijo José Núñez. Cuesta veinte euros. ",
    "en": "The naïve café charged £4 for a crème brûlée – “outrageous”, said Zoë. ",
    "pl": "Zażółć gęślą jaźń. Łódź i Kraków są pięknymi miastami, powiedział Paweł Świątek. ",
    "cz": "Příliš žluťoučký kůň úpěl ďábelské ódy. Praha je krásná, řekl Jiří Dvořák. ",
    "ru": "Съешь же ещё этих мягких французских булок да выпей чаю. Москва, сказал Иван Петров. ",
    "el": "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας, είπε ο Γιώργος Παπαδόπουλος στους δημοσιογράφους. ",
}
ENCODINGS = {
    "fr": ["utf-8", "cp1252", "mac_roman"],
    "de": ["utf-8", "cp1252"],
    "es": ["utf-8", "cp1252", "latin-1"],
    "en": ["utf-8", "cp1252"],
    "pl": ["utf-8", "cp1250", "iso8859_2"],
    "cz": ["utf-8", "cp1250"],
    "ru": ["utf-8", "cp1251", "koi8_r"],
    "el": ["utf-8", "cp1253"],
}


def cases() -> list[tuple[str, str, bytes, str]]:
    """(language, encoding, bytes, the text they hold)."""
    out = []
    for lang, sentence in SAMPLES.items():
        text = sentence * 6
        out += [(lang, enc, text.encode(enc), text) for enc in ENCODINGS[lang]]
    text = SAMPLES["en"] * 20
    whole = text.encode()
    damaged = whole[:100] + b"\xff\xfe\x80" + whole[100:400] + b"\xc3" + whole[400:]
    out.append(("en", "utf-8 with 4 bad bytes", damaged, text))
    return out


def main() -> None:
    right = 0
    every = cases()
    for lang, enc, data, text in every:
        got, warning = guess(data)
        # a damaged file is right when only the damaged characters were lost
        good = got == text or (enc.startswith("utf-8 with") and got.count("£") == text.count("£") and "¬" not in got)
        right += good
        print("ok   " if good else "WRONG", lang, enc, warning)
    print(f"{right} of {len(every)} decoded exactly")


if __name__ == "__main__":
    main()
