"""Form fields that read what people type, the French way: '80 %', '1 234,5', '12/2026',
'décembre 2026'. The errors they raise are French, and shown beside the field."""

import re

from django import forms

from . import formats

MONTH_HELP = "Par exemple 12/2026 ou décembre 2026."
_MILESTONE = re.compile(r"^(.+?)\s*[:=;]\s*(.+)$")


class NumberField(forms.CharField):
    """A number written with a decimal comma, spaces between thousands, or a trailing %."""

    default_error_messages = {"invalid": "Nombre attendu, par exemple 80 ou 3,87."}

    def __init__(self, *, min_value: float | None = None, max_value: float | None = None, **kw):
        self.min_value, self.max_value = min_value, max_value
        kw.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kw)

    def prepare_value(self, value):
        if isinstance(value, float | int) and not isinstance(value, bool):
            return formats.number(value, 0 if float(value).is_integer() else 2).replace(
                formats.THOUSANDS, " "
            )
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        number = formats.parse_number(text)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if self.min_value is not None and number < self.min_value:
            raise forms.ValidationError(
                f"Au moins {formats.number(self.min_value)}.", code="min_value"
            )
        if self.max_value is not None and number > self.max_value:
            raise forms.ValidationError(
                f"Au plus {formats.number(self.max_value)}.", code="max_value"
            )
        return number


class MonthField(forms.CharField):
    """A month as people write it; cleaned to 'AAAA-MM', shown back as '12/2026'."""

    default_error_messages = {"invalid": f"Mois attendu. {MONTH_HELP}"}

    def __init__(self, **kw):
        kw.setdefault("help_text", MONTH_HELP)
        super().__init__(**kw)

    def prepare_value(self, value):
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
            return formats.month_short(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        month = formats.parse_month(text)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class MilestonesField(forms.CharField):
    """Milestones of a trajectory, one a line: '06/2026 : 60' (month, then the value)."""

    widget = forms.Textarea(attrs={"rows": 3})
    default_error_messages = {
        "invalid": "Ligne {line} : un mois puis une valeur attendus, par exemple « 06/2026 : 60 »."
    }

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{formats.month_short(m['period'])} : {formats.number(m['value'], 1)}"
                for m in value
            )
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        milestones = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = _MILESTONE.match(line.strip())
            month_text, value_text = parts.groups() if parts else ("", "")
            month = formats.parse_month(month_text)
            number = formats.parse_number(value_text)
            if not month or number is None:
                raise forms.ValidationError(
                    self.error_messages["invalid"].format(line=line_number), code="invalid"
                )
            milestones.append({"period": month, "value": number})
        return milestones
