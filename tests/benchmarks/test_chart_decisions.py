"""What a benchmark page's charts decide: a log axis for perplexities that span decades, no chart
of one point, values at the precision their paper printed."""

from benchmarks.charts import Point, disagreement_figure, pareto_figure, wants_log_axis
from benchmarks.leaderboards import printed_decimals, shown_value


def point(value: float, bits: float = 4, shown: str = "") -> Point:
    return {"method": "GPTQ", "bits": bits, "value": value, "shown": shown or str(value), "setting": "W4A16"}


def test_perplexities_spanning_decades_get_a_log_axis():
    figure = pareto_figure([point(5.8), point(6.1, 3), point(25_000, 2)], lower_is_better=True, metric="perplexity")
    assert figure is not None
    assert figure["layout"]["yaxis"]["type"] == "log"
    assert "log scale" in figure["layout"]["yaxis"]["title"]["text"]


def test_perplexities_within_a_decade_keep_a_linear_axis():
    figure = pareto_figure([point(5.8), point(6.1, 3)], lower_is_better=True, metric="perplexity")
    assert figure is not None
    assert "type" not in figure["layout"]["yaxis"]


def test_accuracies_never_get_a_log_axis():
    assert not wants_log_axis([1.0, 80.0], lower_is_better=False)


def test_a_zero_or_negative_value_keeps_a_linear_axis():
    assert not wants_log_axis([0.0, 50.0], lower_is_better=True)


def test_axis_titles_leave_room_for_tick_labels():
    figure = pareto_figure([point(5.8), point(60.1, 3)], lower_is_better=True, metric="perplexity")
    assert figure is not None
    assert figure["layout"]["xaxis"]["automargin"] and figure["layout"]["yaxis"]["automargin"]


def test_a_pareto_chart_of_one_point_is_not_drawn():
    assert pareto_figure([point(5.8)], lower_is_better=True, metric="perplexity") is None


def test_a_spread_chart_of_one_paper_is_not_drawn():
    assert disagreement_figure([("2306.00978", 5.81, "5.81")], lower_is_better=True) is None


def test_a_spread_chart_of_two_papers_shows_their_printed_numbers():
    figure = disagreement_figure([("2306.00978", 5.81, "5.81"), ("2210.17323", 5.9, "5.90")], lower_is_better=True)
    assert figure is not None
    assert figure["data"][0]["customdata"] == ["5.81", "5.90"]
    assert figure["layout"]["xaxis"]["type"] == "category"


def test_chart_hover_shows_the_value_as_printed():
    figure = pareto_figure([point(5.81, shown="5.81"), point(18.53, 3, "18.53")], lower_is_better=True, metric="ppl")
    assert figure is not None
    assert figure["data"][0]["customdata"] == ["5.81", "18.53"]


def test_a_value_shows_as_its_paper_printed_it():
    assert shown_value(5.81, "5.81") == "5.81"
    assert shown_value(18.53, "18.53") == "18.53"
    assert shown_value(67.3, "67.30") == "67.30"


def test_a_value_without_printed_text_drops_trailing_zeros():
    assert shown_value(5.81) == "5.81"
    assert shown_value(18.53) == "18.53"
    assert shown_value(25000.0) == "25000"


def test_spread_ends_take_the_printed_precision():
    assert printed_decimals("18.53") == 2
    assert printed_decimals("1,596.83") == 2
    assert printed_decimals("39.17%") == 2
    assert printed_decimals("42") == 0
    assert printed_decimals("8.7e3") is None
    assert shown_value(5.9, decimals=printed_decimals("6.10")) == "5.90"
