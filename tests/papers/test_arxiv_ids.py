import pytest

from worker.reading.arxiv_ids import InvalidArxivId, find_arxiv_ids, split_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2210.17323", ("2210.17323", None)),
        ("2210.17323v2", ("2210.17323", 2)),
        ("arXiv:2306.00978v1", ("2306.00978", 1)),
        ("http://arxiv.org/abs/2306.00978v3", ("2306.00978", 3)),
        ("https://arxiv.org/pdf/2306.00978v3.pdf", ("2306.00978", 3)),
        ("1111.2011v2", ("1111.2011", 2)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("http://arxiv.org/abs/quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
    ],
)
def test_split_arxiv_id_separates_id_and_version(text, expected):
    assert split_arxiv_id(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "2210.173", "2210.17323v", "see 2210.17323"])
def test_split_arxiv_id_rejects_what_is_not_an_id(text):
    with pytest.raises(InvalidArxivId):
        split_arxiv_id(text)


def test_find_arxiv_ids_in_a_reference_list_line():
    line = "Frantar et al. GPTQ. arXiv preprint arXiv:2210.17323, 2022; see also 2306.00978v2."
    assert find_arxiv_ids(line) == [("2210.17323", None), ("2306.00978", 2)]
