"""French formats, and the components every page builds on (templates in components/): card,
badge and status badge, data table, pagination, buttons, chart with its table, map with its
list, breadcrumb. Pages write no DSFR component markup themselves, so the look changes here.

The components hand their data to django-dsfr's own tags where the tag's markup fits; each
template that writes its own markup says why."""

from django import template
from django.template.base import token_kwargs
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeData, mark_safe

from capsante.french import takes_plural
from capsante.ui import badges, formats, tables

register = template.Library()


@register.filter
def person(user, fallback: str = "—") -> str:
    """A user as people read them: full name, else username, else the fallback (no user)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


@register.filter
def month(period: str | None) -> str:
    """'2026-10' as people say it: 'octobre 2026'."""
    return formats.month(period)


@register.filter
def fr_number(value, digits: int = 0) -> str:
    """12345.6 → '12 345,6' (narrow no-break space, decimal comma)."""
    return formats.number(value, int(digits))


@register.filter
def fr_percent(value, digits: int = 1) -> str:
    """79.24 → '79,2 %'."""
    return formats.percent(value, int(digits))


@register.filter
def moment(value) -> str:
    """An instant in Paris time, as written in a sentence: '30 novembre 2026 à 16 h 59'."""
    return formats.moment(value)


@register.filter
def moment_short(value) -> str:
    """An instant in Paris time, for a table cell: '30/11/2026 16:59'."""
    return formats.moment_short(value)


@register.filter
def fr_day(value, empty: str = "—") -> str:
    """A date as written in a sentence: '1er juin 2026'."""
    if value is not None and hasattr(value, "hour"):
        value = formats.paris(value).date()
    return formats.day(value, empty)


@register.filter
def day_short(value, empty: str = "—") -> str:
    """A date for a table cell: '01/06/2026'."""
    return formats.day_short(value, empty)


@register.filter
def plural_suffix(count, suffix: str = "s") -> str:
    """`événement{{ n|plural_suffix }}`: French's rule, not Django's `pluralize` (which gives
    « 0 indicateurs »): the singular below 2, as `plural` and the rest of the platform write."""
    try:
        return suffix if takes_plural(float(count)) else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def plural(count, words: str) -> str:
    """`{{ n|plural:"structure" }}` → '12 structures'; `"travail,travaux"` gives both forms."""
    singular, _, plural_form = str(words).partition(",")
    return formats.plural(count or 0, singular, plural_form or None)


# Block components: `{% name key=value … %}content{% endname %}` renders the component's template
# with the keywords and the rendered content as `slot`.


class ComponentNode(template.Node):
    def __init__(self, template_name, kwargs, nodelist, prepare, context_flag=None):
        self.template_name = template_name
        self.kwargs = kwargs
        self.nodelist = nodelist
        self.prepare = prepare
        self.context_flag = context_flag

    def render(self, context):
        values = {key: value.resolve(context) for key, value in self.kwargs.items()}
        with context.push(**({self.context_flag: True} if self.context_flag else {})):
            values["slot"] = self.nodelist.render(context)
        if self.prepare:
            values = self.prepare(values)
        component = context.template.engine.get_template(self.template_name)
        return component.render(context.new(values))


def block_component(name: str, template_name: str, prepare=None, context_flag: str | None = None):
    """Register `{% name … %}…{% endname %}`; `prepare` checks and completes the values."""

    def compile_tag(parser, token):
        bits = token.split_contents()[1:]
        kwargs = token_kwargs(bits, parser, support_legacy=False)
        if bits:
            raise template.TemplateSyntaxError(f"{name}: arguments are key=value, not {bits}")
        nodelist = parser.parse((f"end{name}",))
        parser.delete_first_token()
        return ComponentNode(template_name, kwargs, nodelist, prepare, context_flag)

    register.tag(name, compile_tag)


class CaptureNode(template.Node):
    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        context[self.name] = self.nodelist.render(context)
        return ""


@register.tag
def capture(parser, token):
    """`{% capture name %}text with {{ variables }}{% endcapture %}`: the rendered text as a
    variable, for a component argument that is more than a literal (a caption with a count)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("capture takes one variable name")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(bits[1], nodelist)


# Tables


def _split(headers) -> list:
    """Headers given as a list, or as one text "A|B|C" (a literal or a captured text)."""
    if isinstance(headers, list | tuple):
        return list(headers)
    parts, safe = str(headers).split("|"), isinstance(headers, SafeData)
    # Parts of a text already marked safe stay safe.
    return [mark_safe(p.strip()) if safe else p.strip() for p in parts]  # nosec B308 B703


def _table(values: dict) -> dict:
    if not values.get("caption"):
        raise template.TemplateSyntaxError("a table needs a caption")
    headers = _split(values.get("headers") or [])
    if not headers:
        raise template.TemplateSyntaxError("a table needs its column headers")
    numeric = tables.columns(values.get("numeric"))
    rows = values.pop("slot")
    labelled = ""
    if "<tr" in rows:
        # The rows were rendered, escaped, by the template engine; label_cells adds attributes.
        labelled = mark_safe(tables.label_cells(str(rows), [str(h) for h in headers], numeric))  # nosec B308 B703
    values.update(
        headers=[{"label": h, "numeric": i in numeric} for i, h in enumerate(headers, start=1)],
        rows=labelled,
    )
    return values


block_component("table", "components/table.html", prepare=_table)


# Charts and maps, each with the table or list that gives the same information


def _slot_required(what: str):
    def prepare(values: dict) -> dict:
        if not values["slot"].strip():
            raise template.TemplateSyntaxError(f"a {what} needs its table or list beside it")
        return values

    return prepare


def _map_with_list(values: dict) -> dict:
    values = _slot_required("map")(values)
    values.setdefault("map_cols", 8)
    values["list_cols"] = 12 - int(values["map_cols"])
    return values


block_component("chart", "components/chart.html", prepare=_slot_required("chart"))
block_component("map_with_list", "components/map_with_list.html", prepare=_map_with_list)


@register.inclusion_tag("components/sparkline.html")
def sparkline(path: str, label, *, width: int = 120, height: int = 32) -> dict:
    """A small line chart (charts.sparkline's path), its trend told in `label`."""
    return {"path": path, "label": label, "width": width, "height": height}


# Badges and cards


def _badge_data(label, colour: str = "", small: bool = False) -> dict:
    classes = " ".join(
        c for c in (f"fr-badge--{colour}" if colour else "", "fr-badge--sm" if small else "") if c
    )
    return {"label": label, "extra_classes": classes}


@register.inclusion_tag("components/badge.html", takes_context=True)
def badge(context, label, colour: str = "", *, small: bool = False, inline: bool = False) -> dict:
    """A badge; `colour` is a DSFR system colour (success, warning, error, info, new) or none."""
    return {
        "badge": _badge_data(label, colour, small),
        "inline": inline,
        "in_group": context.get("in_badge_group", False),
    }


@register.inclusion_tag("components/badge.html", takes_context=True)
def status_badge(
    context, kind: str, status, label, *, small: bool = False, inline: bool = False
) -> dict:
    """The badge of a status (a target's, an action's, a roadmap's, an import's): its colour is
    decided in capsante.ui.badges."""
    return badge(context, label, badges.colour(kind, status), small=small, inline=inline)


block_component("badges", "components/badges.html", context_flag="in_badge_group")


@register.inclusion_tag("components/card.html")
def card(
    title,
    url,
    *,
    description="",
    detail="",
    heading: str = "h3",
    badge="",
    status=None,
    status_label="",
    status_kind: str = "target",
    figure="",
    lines="",
    horizontal: bool = False,
) -> dict:
    """A card linking to a page: title, description, detail line, badges (a plain `badge`
    and/or a status), and for a figure card the figure and a few `lines` under it (phrasing
    content: spans, not paragraphs, since the description is one <p>)."""
    top = [_badge_data(badge, small=True)] if badge else []
    if status_label:
        top.append(_badge_data(status_label, badges.colour(status_kind, status), small=True))
    if figure:
        description = format_html(
            '<span class="cap-figure">{}</span>{}{}',
            figure,
            format_html('<span class="cap-card-line">{}</span>', description)
            if description
            else "",
            lines,
        )
    elif lines:
        description = format_html("{}{}", description, lines)
    return {
        "card": {
            "title": title,
            "link": url,
            "heading_tag": heading,
            "description": conditional_escape(description),
            "badges": top,
            "detail": detail,
            "extra_classes": "fr-card--horizontal" if horizontal else "",
        }
    }


# Buttons


@register.inclusion_tag("components/button.html", takes_context=True)
def button(
    context,
    label,
    *,
    kind: str = "primary",
    size: str = "",
    icon: str = "",
    type: str = "submit",
    name: str = "",
    value: str = "",
    action: str = "",
    hidden_suffix="",
) -> dict:
    """A form button. `hidden_suffix` completes the label for screen readers only (which row
    a row's button acts on); `kind` is primary, secondary or tertiary; `icon` a DSFR icon name.
    `action` names a behaviour of capsante/behaviours.js ("print"): the content security policy
    runs no inline handler (onclick)."""
    return {
        "button": {
            "label": _label(label, hidden_suffix),
            "type": type,
            "name": name,
            "value": value,
            "action": action,
            "extra_classes": _button_classes(kind, size, icon),
        },
        "in_group": context.get("in_button_group", False),
    }


@register.inclusion_tag("components/button_link.html", takes_context=True)
def button_link(context, label, url, *, kind="primary", size="", icon="", hidden_suffix="") -> dict:
    """A link that looks like a button (it leads to a page, it changes nothing)."""
    return {
        "label": _label(label, hidden_suffix),
        "url": url,
        "classes": _button_classes(kind, size, icon),
        "in_group": context.get("in_button_group", False),
    }


def _label(label, hidden_suffix):
    if not hidden_suffix:
        return label
    return format_html('{}<span class="fr-sr-only">{}</span>', label, hidden_suffix)


def _button_classes(kind: str, size: str, icon: str) -> str:
    if kind not in ("primary", "secondary", "tertiary"):
        raise template.TemplateSyntaxError(f"unknown kind of button: {kind!r}")
    classes = [] if kind == "primary" else [f"fr-btn--{kind}"]
    if size:
        classes.append(f"fr-btn--{size}")
    if icon:
        classes += [f"fr-icon-{icon}", "fr-btn--icon-left"]
    return " ".join(classes)


block_component("buttons", "components/buttons.html", context_flag="in_button_group")


# Pagination and breadcrumb


@register.inclusion_tag("components/pagination.html", takes_context=True)
def pagination(context, page) -> dict:
    """The pages of a list (a Django Page); each link keeps the rest of the query string."""
    page.pages_list = list(
        page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    )
    return {"page": page, "request": context["request"]}


@register.inclusion_tag("components/pager.html")
def pager(
    label, *, previous_url="", previous_label="", up_url="", up_label="", next_url="", next_label=""
) -> dict:
    """Previous / up / next links between pages of a set (the objectives of a roadmap)."""
    return {
        "label": label,
        "links": [
            (url, text, modifier)
            for url, text, modifier in (
                (previous_url, previous_label, "prev"),
                (up_url, up_label, ""),
                (next_url, next_label, "next"),
            )
            if url
        ],
    }


@register.inclusion_tag("components/breadcrumb.html", takes_context=True)
def breadcrumb(context) -> dict:
    """The view's `breadcrumb`, a list of (label, url) ending with the current page (no url),
    in django-dsfr's shape."""
    *links, (current, _) = context["breadcrumb"]
    if any(not url for _, url in links):
        raise template.TemplateSyntaxError("every breadcrumb item but the last needs a url")
    return {"crumbs": {"links": [{"title": t, "url": u} for t, u in links], "current": current}}


@register.inclusion_tag("components/badge_list.html")
def badge_list(labels) -> dict:
    """Small badges for a list of labels (the needs of each result in a list)."""
    return {"labels": list(labels)}


@register.simple_tag
def select_options(choices, chosen) -> str:
    """The <option> elements of a select, the chosen value marked: a form's lists (the
    directory's needs, kinds and audiences) written by a loop in a template cost more than the
    rest of the form."""
    chosen = "" if chosen is None else str(chosen)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)  # nosec B308
            for value, label in choices
        ),
    )


# Parts of the page's frame, per process: {(template, section, page): html}. Bounded by the
# number of pages.
_frame_parts: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def frame_part(context, template_name: str) -> str:
    """A part of the page's frame that depends on nothing but the page it is on (the footer,
    the header as visitors who are not signed in see it: only the current section is marked),
    rendered once per process and page instead of at each request — a tenth of a directory
    search's rendering. The caller keeps anything else out: base.html includes the header of a
    signed-in person as usual, since it names them and holds their sign-out form."""
    match = getattr(context.get("request"), "resolver_match", None)
    key = (template_name, match and match.app_name, match and match.url_name)
    html = _frame_parts.get(key)
    if html is None:
        html = context.template.engine.get_template(template_name).render(context)
        _frame_parts[key] = html
    return html
