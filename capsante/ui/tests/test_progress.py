"""The commands' progress bars read French: grouped counts, « sur », no rate with a decimal point."""

import io

from capsante.ui.progress import Bar


def shown(bar: Bar, out: io.StringIO) -> str:
    bar.refresh()
    return out.getvalue().rsplit("\r", 1)[-1].strip()


def test_a_bar_with_a_total_says_how_far_in_french():
    out = io.StringIO()
    bar = Bar("Communes", total=34_875, file=out, mininterval=0)
    bar.update(20_000)
    line = shown(bar, out)
    assert line.startswith("Communes :  57 % |") and line.endswith(
        "| 20\u202f000 sur 34\u202f875 [00:00]"
    )
    assert "/s" not in out.getvalue() and "." not in out.getvalue()


def test_a_bar_without_a_total_counts_and_takes_one_when_a_step_gives_it():
    out = io.StringIO()
    bar = Bar("Génération des fichiers", file=out, mininterval=0)
    bar.update(3)
    assert shown(bar, out) == "Génération des fichiers : 3 [00:00]"
    bar.move_to("finess", 2, 12)
    assert shown(bar, out).startswith("finess :  17 % |") and "2 sur 12" in shown(bar, out)


def test_a_new_step_never_shows_the_last_steps_count_against_its_own_total():
    # An import: three steps, the first counting the file's bytes.
    out = io.StringIO()
    bar = Bar("Import", total=3, file=out, mininterval=0)
    bar.move_to("Lecture et contrôle du fichier", 0, 6_347, in_bytes=True)
    bar.move_to("Lecture et contrôle du fichier", 6_347, 6_347, in_bytes=True)
    bar.move_to("Comparaison avec les données en place", 1, 3)
    states = [state.strip() for state in out.getvalue().split("\r") if state.strip()]
    assert states[-1].startswith("Comparaison avec les données en place :  33 % |")
    assert states[-1].endswith("| 1 sur 3 [00:00]")
    assert not [s for s in states if "6\u202f347 sur 3 " in s], states


def test_a_step_counting_bytes_says_them_as_sizes_and_the_next_step_counts_again():
    """A file of 239 lines (6,347 bytes) read « 6 347 sur 6 347 », which a reader takes for
    lines; a national extract would read « 312 456 789 sur 1 073 741 824 »."""
    out = io.StringIO()
    bar = Bar("Import", total=3, file=out, mininterval=0)
    bar.move_to("Lecture et contrôle du fichier", 6_347, 6_347, in_bytes=True)
    assert shown(bar, out).endswith("| 6,2\xa0ko sur 6,2\xa0ko [00:00]")
    bar.move_to("Lecture et contrôle du fichier", 312_456_789, 1024**3, in_bytes=True)
    assert shown(bar, out).endswith("| 298,0\xa0Mo sur 1,0\xa0Go [00:00]")
    bar.move_to("Comparaison avec les données en place", 1, 3)
    assert shown(bar, out).endswith("| 1 sur 3 [00:00]")


def test_quiet_shows_nothing():
    out = io.StringIO()
    bar = Bar("Imports", total=81, file=out, quiet=True)
    bar.update(40)
    bar.close()
    assert out.getvalue() == ""
