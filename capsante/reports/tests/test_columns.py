"""The « Bilan de l’existant » cut in two columns by the report (`reports.columns`): items kept
whole and in reading order, the cut where the columns come out most even, a heading written
again, as continued, when its items straddle the cut."""

from capsante.reports.columns import two_columns


def _cut(items):
    first, second = two_columns(items, heading_of=lambda i: i[0], text_of=lambda i: i[1])
    return (
        [(g.heading, [text for _, text in g.items], g.continued) for g in first],
        [(g.heading, [text for _, text in g.items], g.continued) for g in second],
    )


def test_six_items_alike_under_no_heading_go_three_and_three_in_order():
    items = [("", f"élément {n}") for n in range(1, 7)]
    assert _cut(items) == (
        [("", ["élément 1", "élément 2", "élément 3"], False)],
        [("", ["élément 4", "élément 5", "élément 6"], False)],
    )


def test_a_long_item_stands_alone_against_the_short_ones():
    long = "un constat détaillé " * 20  # 400 characters: eight lines
    items = [("", long), *[("", f"court {n}") for n in range(1, 6)]]
    assert _cut(items) == (
        [("", [long], False)],
        [("", [f"court {n}" for n in range(1, 6)], False)],
    )


def test_a_heading_whose_items_straddle_the_cut_is_written_again_as_continued():
    items = [("Accompagnement", f"action d’accompagnement n° {n}") for n in range(1, 5)]
    first, second = _cut(items)
    assert first == [
        ("Accompagnement", ["action d’accompagnement n° 1", "action d’accompagnement n° 2"], False)
    ]
    assert second == [
        ("Accompagnement", ["action d’accompagnement n° 3", "action d’accompagnement n° 4"], True)
    ]


def test_a_cut_between_two_headings_repeats_neither():
    items = [
        ("Information", "ateliers"),
        ("Information", "flyers"),
        ("Partenariats", "EHPAD"),
        ("Partenariats", "événements"),
    ]
    first, second = _cut(items)
    assert first == [("Information", ["ateliers", "flyers"], False)]
    assert second == [("Partenariats", ["EHPAD", "événements"], False)]


def test_a_long_heading_counts_in_the_balance():
    # Repeating a two-line heading over the second column would make it the taller one: the
    # cut falls where no heading is repeated, before the group.
    heading = (
        "Proposer des actions et des outils pour la promotion des messageries sécurisées de santé"
    )
    items = [
        ("", "un constat sur deux lignes, assez long pour cela, vraiment"),
        *[(heading, f"outil {n}") for n in range(1, 4)],
    ]
    first, second = _cut(items)
    assert [g[2] for g in second] == [False]
    assert first == [("", ["un constat sur deux lignes, assez long pour cela, vraiment"], False)]


def test_nothing_or_one_item():
    assert _cut([]) == ([], [])
    assert _cut([("", "seul")]) == ([("", ["seul"], False)], [])
