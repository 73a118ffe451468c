"""One Filters value from the URL and the CLI alike: parsing, notices, and the URL round trip."""

import datetime as dt

from dashboard.serving.filters import Filters, from_query


def test_url_round_trip():
    f = Filters(places=("Iran", "Israel/OPT"), themes=("torture", "hrd"), actors=("council",),
                types=("sanctions",), statuses=("detained",), since=dt.date(2020, 1, 1),
                until=dt.date(2024, 12, 31), q="lawyer")
    again, notices = from_query(f.to_query())
    assert again == f and notices == []


def test_defaults_stay_out_of_the_url():
    assert Filters().to_query() == {}


def test_codes_and_labels_are_both_understood():
    f, notices = from_query({"country": ["IRN", "pse"], "theme": ["torture", "Human rights defenders"],
                             "actor": ["european_parliament"], "type": ["EP urgency resolution"]})
    assert notices == []
    assert f.places == ("Iran", "Palestine (OPT)")
    assert f.countries == ("IRN", "PSE")
    assert f.themes == ("torture", "hrd")
    assert f.actors == ("european_parliament",) and f.types == ("urgency_resolution",)


def test_israel_opt_covers_both_countries():
    f, _ = from_query({"country": "Israel/OPT"})
    assert f.countries == ("ISR", "PSE")


def test_bad_values_give_notices_and_defaults():
    f, notices = from_query({"country": ["Narnia", "Iran"], "since": "yesterday", "theme": "joy"})
    assert f.places == ("Iran",) and f.since is None and f.themes == ()
    assert len(notices) == 3
    assert any("Narnia" in n for n in notices) and any("YYYY-MM-DD" in n for n in notices)


def test_reversed_dates_are_swapped_with_a_notice():
    f, notices = from_query({"since": "2024-01-01", "until": "2020-01-01"})
    assert (f.since, f.until) == (dt.date(2020, 1, 1), dt.date(2024, 1, 1))
    assert notices


def test_long_search_text_is_cut_with_a_notice():
    f, notices = from_query({"q": "x" * 500})
    assert len(f.q) == 200 and notices


def test_describe_names_every_filter():
    f, _ = from_query({"country": "IRN", "theme": "torture", "since": "2020-01-01", "q": "x"})
    assert f.describe() == 'country: Iran; theme: Torture; since 2020-01-01; text "x"'
    assert Filters().describe() == "no filters (all records)"
