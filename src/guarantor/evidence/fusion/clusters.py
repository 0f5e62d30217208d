"""Incidents as connected components of the links, under the analysts' constraints.

Links arrive strongest first (analyst merges, then shared documents, identical text, shared
claims, then place-and-time links by score, ties by report key). Without constraints an
incident is a connected component; which links *joined* it is its maximum spanning tree
(Kruskal's order), computed with SciPy and no Python loop.

**Cannot-link policy.** Constraints come as *labelled groups*: two reports of one group with
different labels never share an incident (an analyst's "not the same event" is a group of two
with a label each; the records of one register on one day with one toll are a group labelled
by block, see :mod:`.api`). A frame without a ``label`` column gives every member its own
label (an *exclusive group*). Only components that hold two reports of one group with
different labels are treated specially: their links are taken strongest first and a link
that would bring two differently labelled members of one group together is refused (status
``cut``). Where a chain of links connects two cannot-linked reports, the link refused is
therefore the weakest one that would complete the chain, and the reports on either side stay
with the stronger links they had. Refused analyst merges are reported the same way, so that
the analyst sees the conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

__all__ = ["Clustering", "cluster"]

IntArray = npt.NDArray[np.int64]
JOINED, REDUNDANT, CUT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Clustering:
    """Per report (by ``idx``): ``labels`` (component), ``parent`` (-1 for the seed) and
    ``parent_edge`` (the link it joined by, -1 for the seed); per link: ``status``
    (0 joined, 1 redundant, 2 cut)."""

    labels: IntArray
    parent: IntArray
    parent_edge: IntArray
    status: npt.NDArray[np.int8]


def _components(size: int, a: IntArray, b: IntArray) -> IntArray:
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    labels: IntArray = connected_components(graph, directed=False)[1].astype(np.int64)
    return labels


def _labelled(exclusive: pl.DataFrame) -> pl.DataFrame:
    if "label" in exclusive.columns:
        return exclusive.select(pl.col(c).cast(pl.Int64) for c in ("idx", "group", "label"))
    return exclusive.select(
        pl.col("idx").cast(pl.Int64), pl.col("group").cast(pl.Int64), label=pl.col("idx")
    )


def _conflicted(labels: IntArray, exclusive: pl.DataFrame) -> IntArray:
    """Components holding two members of one group with different labels."""
    if exclusive.is_empty():
        return np.empty(0, dtype=np.int64)
    placed = exclusive.with_columns(component=pl.Series(labels).gather(exclusive["idx"]))
    crowded = placed.group_by("group", "component").agg(pl.col("label").n_unique())
    found: IntArray = crowded.filter(pl.col("label") > 1)["component"].unique().to_numpy()
    return found.astype(np.int64)


def _spanning_tree(size: int, a: IntArray, b: IntArray, order: IntArray) -> IntArray:
    """Indices (into ``order``'s edges) of the maximum spanning forest in link order."""
    if len(order) == 0:
        return np.empty(0, dtype=np.int64)
    weights = np.arange(1, len(order) + 1, dtype=np.float64)  # unique: the forest is unique
    graph = csr_matrix((weights, (a[order], b[order])), shape=(size, size))
    tree = minimum_spanning_tree(graph).tocoo()
    chosen: IntArray = order[np.asarray(tree.data, dtype=np.int64) - 1]
    return chosen


def _clash(first: dict[int, int], second: dict[int, int]) -> bool:
    small, large = (first, second) if len(first) <= len(second) else (second, first)
    return any(large.get(group, label) != label for group, label in small.items())


def _constrained(
    edges: IntArray, a: IntArray, b: IntArray, exclusive: pl.DataFrame, status: npt.NDArray[np.int8]
) -> None:
    """Kruskal with labelled groups over the links of conflicted components (in place)."""
    nodes = np.unique(np.concatenate([a[edges], b[edges]]))
    groups: dict[int, dict[int, int]] = {int(n): {} for n in nodes}
    for node, group, label in exclusive.filter(pl.col("idx").is_in(nodes)).iter_rows():
        groups[int(node)][int(group)] = int(label)
    root = {int(n): int(n) for n in nodes}

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for edge in edges.tolist():  # only links inside components with a conflict
        first, second = find(int(a[edge])), find(int(b[edge]))
        if first == second:
            status[edge] = REDUNDANT
        elif _clash(groups[first], groups[second]):
            status[edge] = CUT
        else:
            if len(groups[first]) < len(groups[second]):
                first, second = second, first
            root[second] = first
            groups[first].update(groups.pop(second))
            status[edge] = JOINED


def _parents(
    size: int, a: IntArray, b: IntArray, tree: IntArray, labels: IntArray
) -> tuple[IntArray, IntArray]:
    """Orient the forest (whose components are ``labels``) from each component's seed (its
    smallest ``idx``)."""
    seeds = np.unique(labels, return_index=True)[1].astype(np.int64)
    root = size  # a virtual node joined to every seed
    rows = np.concatenate([a[tree], np.full(len(seeds), root)])
    cols = np.concatenate([b[tree], seeds])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size + 1, size + 1)).tocsr()
    _, predecessors = breadth_first_order(graph, root, directed=False, return_predecessors=True)
    parent = predecessors[:size].astype(np.int64)
    parent[parent == root] = -1
    ids = csr_matrix(
        (
            tree.astype(np.float64) + 1.0,
            (np.minimum(a[tree], b[tree]), np.maximum(a[tree], b[tree])),
        ),
        shape=(size, size),
    )
    has = parent >= 0
    edge = np.full(size, -1, dtype=np.int64)
    nodes = np.flatnonzero(has)
    low, high = np.minimum(nodes, parent[has]), np.maximum(nodes, parent[has])
    if len(nodes):
        edge[has] = np.asarray(ids[low, high]).ravel().astype(np.int64) - 1
    return parent, edge


def cluster(size: int, a: IntArray, b: IntArray, exclusive: pl.DataFrame) -> Clustering:
    """Cluster ``size`` reports joined by links ``a[i]``-``b[i]`` (strongest first).

    ``exclusive`` has columns ``idx``, ``group`` and optionally ``label`` (integers).
    """
    exclusive = _labelled(exclusive)
    status = np.full(len(a), REDUNDANT, dtype=np.int8)
    labels = _components(size, a, b)
    conflicted = np.isin(labels[a], _conflicted(labels, exclusive)) if len(a) else np.zeros(0, bool)
    free = np.flatnonzero(~conflicted).astype(np.int64)
    status[_spanning_tree(size, a, b, free)] = JOINED
    hard = np.flatnonzero(conflicted).astype(np.int64)
    if len(hard):
        _constrained(hard, a, b, exclusive, status)
    tree = np.flatnonzero(status == JOINED).astype(np.int64)
    # Without a refused link the forest spans each component of the links: same labels.
    final = _components(size, a[tree], b[tree]) if len(hard) else labels
    parent, parent_edge = _parents(size, a, b, tree, final)
    return Clustering(labels=final, parent=parent, parent_edge=parent_edge, status=status)
