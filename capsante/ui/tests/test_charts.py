"""The choropleths' classes tell values apart (review of 7 December: the Sarthe's communes,
11 at 0 % of pharmacies with a fax and 70 at 100 %, were all drawn in one colour, under a
single class « de 0,0 % à 100,0 % »)."""

from capsante.ui.charts import SCALE, classes


def test_two_values_are_two_classes_at_either_end_of_the_scale():
    colours, bounds = classes([0.0] * 11 + [100.0] * 70 + [None])
    assert set(colours[:11]) == {0} and set(colours[11:81]) == {len(SCALE) - 1}
    assert colours[-1] is None
    assert bounds == {0: (0.0, 0.0), len(SCALE) - 1: (100.0, 100.0)}


def test_ties_do_not_merge_the_classes_of_the_other_values():
    values = [0.0] * 11 + [100.0] * 70 + [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    colours, bounds = classes(values)
    assert len(bounds) == len(SCALE)
    assert colours[0] != colours[11]  # 0 % and 100 % apart
    for value, colour in zip(values, colours, strict=True):
        low, high = bounds[colour]
        assert low <= value <= high


def test_many_distinct_values_are_cut_in_quantiles_lightest_to_darkest():
    colours, bounds = classes([float(v) for v in range(1, 11)])
    assert colours == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert list(bounds.values()) == [(1, 3), (3, 5), (5, 7), (7, 9), (9, 10)]


def test_one_value_is_one_class():
    colours, bounds = classes([91.03, None])
    assert colours[1] is None and bounds == {colours[0]: (91.03, 91.03)}


def test_a_small_lines_words_elide_before_a_vowel():
    from capsante.ui.charts import spark_label

    said = spark_label([("2025-10", 1.0), ("2026-05", 2.0)], lambda v: f"{v:g}")
    assert said == "Évolution d’octobre 2025 à mai 2026 : de 1 à 2"


def test_a_small_line_leaves_the_gap_of_months_without_a_value():
    # Events held in June and October 2023, then every month of 2026: the points stood evenly
    # spaced, the 27 months without an event closed up (browser check of 7 December).
    from capsante.ui.charts import sparkline

    months = ["2023-06", "2023-10", "2026-01", "2026-02"]
    path = sparkline([1.0, 2.0, 1.0, 2.0], width=320, months=months)
    xs = [float(point[1:].split(",")[0]) for point in path.split()]
    assert xs == [0.0, 40.0, 310.0, 320.0]  # at their months across 32 months
    assert sparkline([1.0, 2.0, 1.0, 2.0], width=30).split()[1].startswith("L10.0,")


def test_a_share_s_axis_stops_at_100_when_nothing_passes_it():
    """The Sarthe's CLS share (66,7 % to 100 %) was drawn on an axis up to 125 (review of
    7 December): a share's axis stops at its ceiling, unless something drawn passes it (a
    forecast's band may)."""
    from capsante.ui.charts import SeriesChart

    observed = [("2026-01", 66.7), ("2026-06", 100.0)]
    top = lambda chart: max(label for _, label in chart.render()["y_ticks"])  # noqa: E731
    assert top(SeriesChart(observed=observed)) == 125
    assert top(SeriesChart(observed=observed, ceiling=100.0)) == 100
    band = [("2026-07", 100.0, 95.0, 108.0)]
    assert top(SeriesChart(observed=observed, forecast=band, ceiling=100.0)) > 100
    assert top(SeriesChart(observed=[("2026-01", 12.0), ("2026-02", 40.0)], ceiling=100.0)) == 50


def test_the_plot_keeps_its_margins_whatever_its_axis():
    """The axis's top once took the name of the top margin: every series chart was drawn in a
    strip at the bottom of its frame (seen in the Sarthe's roadmap PDF, 7 December). The lowest
    tick sits on the plot's bottom, the highest on its top, the top margin from the frame."""
    from capsante.ui.charts import SeriesChart

    for ceiling in (None, 100.0):
        chart = SeriesChart(
            observed=[("2025-01", 10.0), ("2026-06", 66.7)],
            margin=(20, 20, 40, 56),
            ceiling=ceiling,
        ).render()
        assert chart["plot"]["top"] == 20 and chart["plot"]["bottom"] == 300 - 40
        ticks = [y for y, _ in chart["y_ticks"]]
        assert max(ticks) == chart["plot"]["bottom"] and min(ticks) == chart["plot"]["top"]
