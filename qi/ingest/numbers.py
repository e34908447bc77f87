"""Reading numbers as locality teams write them: ``1,234``, ``45%``, and suppression markers.

A suppression marker or a blank cell is a missing value with its reason kept; anything else that
is not a number is an error, with a hint where the cause is guessable ("letter O for zero?").
"""

import polars as pl

# Markers used in NHS and ONS publications for a value that is not given, and what they mean.
MISSING_MARKERS = {
    "": "blank",
    "*": "suppressed (*)",
    "c": "confidential (c)",
    "x": "not available (x)",
    "..": "not available (..)",
    ":": "not available (:)",
    "-": "nil or not applicable (-)",
}
# What Excel shows in a cell whose formula failed.
EXCEL_ERROR = r"^#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|UNKNOWN!|BUSY!)$"
NUMBER_FIX = (
    "write a number such as 1234, 1,234 or 12.5, a percentage such as 45%, "
    "or leave the cell blank or use a suppression marker (* c x .. -)"
)


def missing_reason(column: pl.Expr) -> pl.Expr:
    """Why the cell holds no value ('blank', 'suppressed (*)', ...), or null for anything else."""
    text = column.str.strip_chars().str.to_lowercase().fill_null("")
    return text.replace_strict(MISSING_MARKERS, default=None, return_dtype=pl.String)


def parse_number(column: pl.Expr) -> pl.Expr:
    """The number a cell holds (percentages as fractions: 45% is 0.45), or null."""
    text = column.str.strip_chars()
    percent = text.str.ends_with("%")
    digits = text.str.strip_suffix("%").str.strip_chars()
    # Commas are thousands separators only in groups of three: "1,234.5", never "1,23".
    digits = (
        pl.when(digits.str.contains(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"))
        .then(digits.str.replace_all(",", ""))
        .otherwise(digits)
    )
    digits = pl.when(digits.str.contains(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")).then(digits)
    value = digits.cast(pl.Float64, strict=False)
    value = pl.when(value.is_finite()).then(value)
    return pl.when(percent).then(value / 100).otherwise(value)


def number_hint(column: pl.Expr) -> pl.Expr:
    """A guess at why a cell is not a number, or null."""
    text = column.str.strip_chars()
    return (
        pl.when(text.str.contains(EXCEL_ERROR))
        .then(pl.lit("an Excel error: correct the formula in the workbook"))
        .when(text.str.contains(r"(?i)^[-+]?(inf|infinity|nan)$"))
        .then(pl.lit("not a finite number"))
        .when(text.str.contains(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$"))
        .then(pl.lit("too large (or small) to be a number"))
        .when(text.str.contains(r"\d[oO]|[oO]\d"))
        .then(pl.lit("letter O instead of zero?"))
        .when(text.str.contains(r"\d[lI]|[lI]\d"))
        .then(pl.lit("letter l or I instead of one?"))
        .when(text.str.contains(r"[£$€]"))
        .then(pl.lit("remove the currency sign"))
        .when(text.str.contains(r"^\d+(\.\d{3})+,\d+$|^\d+,\d{1,2}$"))
        .then(pl.lit("decimal comma? use a point for decimals"))
        .when(text.str.contains(r"\d\s+\d"))
        .then(pl.lit("spaces inside the number"))
    )
