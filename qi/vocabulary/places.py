"""The kinds of place a measure is counted at, from a neighbourhood to a region."""

from qi.vocabulary.terms import Vocabulary

PLACE_TYPES = Vocabulary(
    "place type",
    {
        "lsoa": "lower layer super output area (LSOA)",
        "ward": "electoral ward",
        "locality": "locality",
        "local_authority": "local authority",
        "icb": "integrated care board (ICB)",
        "sub_icb": "sub-ICB location",
        "trust": "NHS trust",
        "region": "region",
        "pcn": "primary care network (PCN)",
        "practice": "GP practice",
        "other": "other",
    },
)
