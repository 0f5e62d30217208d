import numpy as np
import polars as pl

from guarantor.evidence.fusion.clusters import CUT, JOINED, REDUNDANT, cluster

NONE = pl.DataFrame(schema={"idx": pl.Int64, "group": pl.Int64})


def test_links_form_components_and_the_strongest_links_join_them() -> None:
    a, b = np.array([0, 1, 0, 3]), np.array([1, 2, 2, 4])
    result = cluster(6, a, b, NONE)
    assert len(set(result.labels[:3])) == 1
    assert result.labels[3] == result.labels[4] != result.labels[0]
    assert result.status.tolist() == [JOINED, JOINED, REDUNDANT, JOINED]
    assert result.parent.tolist() == [-1, 0, 1, -1, 3, -1]


def test_a_chain_between_two_cannot_linked_reports_loses_its_weakest_link() -> None:
    # 0-1 strongest, 2-3 next, 1-2 weakest: 0 and 3 may not meet.
    a, b = np.array([0, 2, 1]), np.array([1, 3, 2])
    result = cluster(4, a, b, pl.DataFrame({"idx": [0, 3], "group": [1, 1]}))
    assert result.status.tolist() == [JOINED, JOINED, CUT]
    assert result.labels[0] == result.labels[1] != result.labels[2] == result.labels[3]


def test_an_exclusive_group_keeps_every_member_apart() -> None:
    a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    result = cluster(3, a, b, pl.DataFrame({"idx": [0, 1, 2], "group": [4, 4, 4]}))
    assert len(set(result.labels.tolist())) == 3


def test_members_of_a_group_with_one_label_may_meet_those_with_another_may_not() -> None:
    # 0 and 1 share a label, 2 has another: 0-1 joins, 1-2 and 0-2 are refused.
    a, b = np.array([0, 1, 0]), np.array([1, 2, 2])
    labelled = pl.DataFrame({"idx": [0, 1, 2], "group": [7, 7, 7], "label": [0, 0, 1]})
    result = cluster(3, a, b, labelled)
    assert result.status.tolist() == [JOINED, CUT, CUT]
    assert result.labels[0] == result.labels[1] != result.labels[2]
