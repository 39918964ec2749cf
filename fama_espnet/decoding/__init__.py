"""FAMA's decoding: joint CTC/attention beam search with FBK-fairseq generate's rules.

  options.py     DecodingOptions: every knob, its fairseq flag, read from yaml and flags
  rules.py       FAMA's rules and final ranking, once; the Hypothesis every search returns
  fast.py        the default search: utterances x beams at once, fairseq or ESPnet semantics
  ctc_prefix.py  the fast search's CTC prefix scores over frames, without a frame loop
  reference.py   ESPnet's BatchBeamSearch with the rules as ESPnet scorers (scorers.py):
                 the fast search's tested twin

Importing this package (and options.py) needs no torch: a rerun asks what a decode was
made from without loading a search.
"""
from fama_espnet.decoding.options import DecodingOptions


def build_search(model, options: DecodingOptions):
    """The search `options.search` names, over `model` (a FamaModel):
    `.decode(enc, enc_lens, tags) -> [[Hypothesis]]`, one ranked n-best per utterance."""
    if options.search == "espnet":
        from fama_espnet.decoding.reference import FamaBeamSearch

        return FamaBeamSearch(model, options)
    from fama_espnet.decoding.fast import FastBeamSearch

    return FastBeamSearch(model, options)


__all__ = ["DecodingOptions", "build_search"]
