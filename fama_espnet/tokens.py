"""FAMA's token conventions, the one home of them.

A FAMA token list holds the CTC blank, `<unk>`, one `<lang:xx>` tag per language (the
decoder's first token after `<sos/eos>`, forced when decoding; the final CTC head's
conditioning), the sentencepiece pieces and `<sos/eos>`. Ours is ESPnet's order (blank
id 0, `<sos/eos>` last); an imported FBK-fairseq dictionary keeps fairseq's order. The
languages a model has are the tags its token list holds; FAMA's are English and Italian.
"""
from typing import List, Optional, Sequence, Union

BLANK, UNK, SOS_EOS = "<blank>", "<unk>", "<sos/eos>"
LANGUAGES = ("en", "it")  # FAMA's: the default where no token list says otherwise
_TAG_START, _TAG_END = "<lang:", ">"


def lang_tag(lang: str) -> str:
    return f"{_TAG_START}{lang}{_TAG_END}"


def tag_language(token: str) -> Optional[str]:
    """"it" for `<lang:it>`; None for a token that is not a language tag."""
    if token.startswith(_TAG_START) and token.endswith(_TAG_END) and len(token) > len(_TAG_START) + 1:
        return token[len(_TAG_START):-len(_TAG_END)]
    return None


def languages_of(tokens: Sequence[str]) -> List[str]:
    """The languages of a token list: its tags, in token order."""
    return [lang for lang in map(tag_language, tokens) if lang is not None]


def missing_tags(tokens: Sequence[str], languages: Sequence[str]) -> List[str]:
    have = set(tokens)
    return [lang_tag(x) for x in languages if lang_tag(x) not in have]


def read_token_list(token_list: Union[str, Sequence[str]]) -> List[str]:
    """A token list given as a file (one token per line, ESPnet's tokens.txt) or a list."""
    if isinstance(token_list, str):
        with open(token_list, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    return list(token_list)
