"""Physics of the Network Fabrics lab (fabric_bisection): taper, topology, NIC and message size move the
collective time and the binding tier the way the chapter's alpha-beta arithmetic says."""
from __future__ import annotations

import pytest

from labkit.harness import error_messages, output_text, run_lab


def test_fabric_bisection_taper_slows_the_all_to_all_by_nearly_r_and_the_all_reduce_by_less():
    _, ar1 = run_lab("fabric_bisection", oversubscription=1)
    _, ar4 = run_lab("fabric_bisection", oversubscription=4)
    _, a2a1 = run_lab("fabric_bisection", workload="expert-parallel all-to-all", oversubscription=1)
    _, a2a4 = run_lab("fabric_bisection", workload="expert-parallel all-to-all", oversubscription=4)
    ar_slow = ar4["current"]["engine"].time_s / ar1["current"]["engine"].time_s
    a2a_slow = a2a4["current"]["engine"].time_s / a2a1["current"]["engine"].time_s
    assert 1.5 < ar_slow < a2a_slow < 4.0
    assert a2a_slow > 3.5  # almost the whole buffer crosses the spine
    # bisection bandwidth is GPUs x NIC / 2 / r
    assert ar4["current"]["bisection"] == pytest.approx(ar1["current"]["bisection"] / 4)
    assert ar1["current"]["bisection"] == pytest.approx(128 * 50e9 / 2)


def test_fabric_bisection_rail_optimized_fabric_ignores_the_spine_taper():
    outputs, rail8 = run_lab("fabric_bisection", topology="rail-optimized", oversubscription=8)
    _, rail1 = run_lab("fabric_bisection", topology="rail-optimized", oversubscription=1)
    assert rail8["current"]["engine"].time_s == pytest.approx(rail1["current"]["engine"].time_s)
    assert "Adjusted" in output_text(outputs) and "rail" in output_text(outputs)
    assert error_messages(outputs) == []


def test_fabric_bisection_small_messages_are_latency_bound_and_a_tapered_tree_is_never_faster():
    outputs, small = run_lab("fabric_bisection", message_mb=1, oversubscription=4)
    _, small_nb = run_lab("fabric_bisection", message_mb=1, oversubscription=1)
    assert small["current"]["latency_bound"] and "latency" in output_text(outputs)
    assert small["current"]["engine"].time_s >= small_nb["current"]["engine"].time_s
    _, big = run_lab("fabric_bisection", message_mb=16384)
    assert not big["current"]["latency_bound"] and big["current"]["tier"] == "scale-out NICs and spine"


def test_fabric_bisection_faster_nic_and_more_nodes_move_the_time_the_right_way():
    _, hdr = run_lab("fabric_bisection", nic="IB-HDR")
    _, xdr = run_lab("fabric_bisection", nic="IB-XDR")
    assert xdr["current"]["engine"].time_s < hdr["current"]["engine"].time_s
    # a ring's latency term grows with the number of nodes
    _, few = run_lab("fabric_bisection", message_mb=1, gpus=16)
    _, many = run_lab("fabric_bisection", message_mb=1, gpus=2048)
    assert many["current"]["engine"].latency_term_s > few["current"]["engine"].latency_term_s


def test_fabric_bisection_hand_alpha_beta_is_a_lower_bound_of_the_engine():
    _, d = run_lab("fabric_bisection", message_mb=16384, oversubscription=1)
    # the engine adds the launch and reaches only part of the link rate, so it is slower than alpha-beta
    assert d["current"]["hand_s"] < d["current"]["engine"].time_s < 2 * d["current"]["hand_s"]


def test_fabric_bisection_reveal_reads_back_the_guess():
    outputs, _ = run_lab("fabric_bisection", guess="the all-to-all slows more")
    text = output_text(outputs)
    assert "You said the all-to-all slows more" in text and "Right." in text
