"""A run over Dask data on a cluster of worker processes survives losing a worker."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import steepest as st

dd = pytest.importorskip("dask.dataframe", reason="Dask is optional: pip install 'steepest[dask]'")
pytest.importorskip("distributed", reason="the cluster needs: pip install 'steepest[dask]'")


def linear_loss(theta: np.ndarray, frame: object) -> float:
    tv, radio = frame["TV"].to_numpy() / 100, frame["radio"].to_numpy() / 10
    return np.mean((frame["sales"].to_numpy() - theta[0] - theta[1] * tv - theta[2] * radio) ** 2)


def test_a_worker_killed_mid_run_changes_nothing() -> None:
    ads = st.datasets.load("advertising")
    memory = st.minimize(linear_loss, np.zeros(3), data=ads, method="lbfgs")
    with st.cluster(workers=2, processes=True, quiet=True) as client:
        frame = dd.from_pandas(ads, npartitions=4)
        pids = sorted(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_one(iterate: object) -> None:
            if iterate.iteration == 3 and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        res = st.minimize(linear_loss, np.zeros(3), data=frame, method="lbfgs",
                          callback=kill_one)
        after = sorted(client.run(os.getpid).values())
        # Over batches the run is the same one, drawn from the same seed, with or without
        # the loss of a worker: a partition lost is read again and shuffled alike.
        settings = {"data": frame, "batch_size": 40, "epochs": 1, "lr": 0.01, "seed": 5}
        calm = st.minimize(linear_loss, np.zeros(3), **settings)
        assert calm.nit == 5
        now = sorted(client.run(os.getpid).values())
        killed_again: list[int] = []

        def kill_again(iterate: object) -> None:
            if iterate.iteration == 2 and not killed_again:
                os.kill(now[-1], signal.SIGKILL)
                killed_again.append(now[-1])

        shaken = st.minimize(linear_loss, np.zeros(3), callback=kill_again, **settings)
    assert killed and pids[0] not in after and killed_again
    np.testing.assert_array_equal(shaken.history.x, calm.history.x)
    assert res.status == memory.status == "converged"
    assert res.nit == memory.nit
    np.testing.assert_allclose(res.x, memory.x, rtol=1e-12)


def test_batches_reach_the_client_in_slices_and_are_those_of_local_threads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from steepest.optim import distributed

    ads = st.datasets.load("advertising")
    frame = dd.from_pandas(ads, npartitions=3)
    settings = {"data": frame, "batch_size": 16, "epochs": 2, "lr": 0.01, "seed": 7}
    local = st.minimize(linear_loss, np.zeros(3), **settings)
    monkeypatch.setattr(distributed, "SLICE_ROWS", 10)  # several slices to each partition
    with st.cluster(workers=1, processes=False, quiet=True):
        sliced = st.minimize(linear_loss, np.zeros(3), **settings)
    assert sliced.nit == local.nit == 2 * 13
    assert local.history.x.shape == (2 * 13 + 1, 3)
    np.testing.assert_array_equal(sliced.history.x, local.history.x)
