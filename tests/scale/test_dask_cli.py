"""``steepest fit --data "files/*.parquet"``: real data sets read with Dask, one line when bad."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import steepest as st
from steepest.cli.main import main

pytest.importorskip("dask.dataframe", reason="Dask is optional: pip install 'steepest[dask]'")
pytest.importorskip("pyarrow", reason="Parquet files need pyarrow (in steepest[dask])")


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sales")
    ads = st.datasets.load("advertising")
    for i in range(4):
        ads.iloc[i * 50 : (i + 1) * 50].to_parquet(folder / f"part{i}.parquet")
    for i in range(2):
        ads.iloc[i * 100 : (i + 1) * 100].to_csv(folder / f"part{i}.csv", index=False)
    broken = ads.copy()
    broken.loc[120, "radio"] = np.nan
    for i in range(2):
        broken.iloc[i * 100 : (i + 1) * 100].to_parquet(folder / f"broken{i}.pq")
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_glob_of_files_gives_the_in_memory_fit(sales: Path, kind: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ads = st.datasets.load("advertising")
    exact = st.models.LinearRegression(solver="gd").fit(ads[["TV", "radio"]], ads["sales"])
    code, out, err = run(capsys, "fit", "linear", "--data", str(sales / f"*.{kind}"),
                         "--x", "TV,radio", "--y", "sales", "--solver", "gd", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["n_samples"] == 200
    assert summary["coefficients"]["TV"] == pytest.approx(exact.coef_[0], rel=1e-12)
    assert summary["intercept"] == pytest.approx(exact.intercept_, rel=1e-12)
    assert summary["r2"] == pytest.approx(exact.score(ads[["TV", "radio"]], ads["sales"]),
                                          rel=1e-12)


def test_bad_files_and_columns_end_in_one_line(sales: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["--data", str(sales / "none*.parquet"), "--x", "TV", "--y", "sales"], "no files match"),
        (["--data", str(sales / "*.parquet"), "--x", "TV,nope", "--y", "sales"],
         "no column 'nope'"),
        (["--data", str(sales / "broken*.pq"), "--x", "TV,radio", "--y", "sales"],
         "column 'radio' of partition 1"),
        (["--data", str(sales / "*.parquet"), "--x", "TV", "--y", "sales", "--workers", "2",
          "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    ]
    for args, expected in cases:
        code, out, err = run(capsys, "fit", "linear", *args)
        assert code == 2, (args, out, err)
        assert expected in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run(capsys, "fit", "mlp", "--data", str(sales / "broken*.pq"), "--x",
                       "TV,radio", "--y", "sales", "--epochs", "1")
    assert code == 2 and "in column 'radio' of partition 1" in err, err
    code, _, err = run(capsys, "fit", "logistic", "--data", str(sales / "*.csv"), "--x", "TV",
                       "--y", "radio")
    assert code == 2 and "needs a target with two classes; column 'radio' has 167" in err


def test_a_progress_bar_per_epoch_goes_to_stderr_and_json_stays_clean(
        sales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fit", "linear", "--data", str(sales / "*.parquet"),
                         "--x", "TV,radio", "--y", "sales", "--solver", "minibatch",
                         "--batch-size", "40", "--epochs", "3", "--seed", "1", "--progress",
                         "--json")
    assert code == 0, err
    summary = json.loads(out)  # nothing but the JSON on stdout
    assert summary["iterations"] == 3
    assert "training" in err and "3/3" in err  # the bar, at its last epoch
    quiet = run(capsys, "fit", "linear", "--data", str(sales / "*.parquet"), "--x", "TV,radio",
                "--y", "sales", "--solver", "minibatch", "--batch-size", "40", "--epochs", "3",
                "--seed", "1", "--no-progress", "--json")
    assert quiet[0] == 0 and "3/3" not in quiet[2]
    assert json.loads(quiet[1])["coefficients"] == summary["coefficients"]


def test_a_network_trains_on_files_read_with_dask(sales: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fit", "mlp", "--data", str(sales / "*.parquet"),
                         "--x", "TV,radio", "--y", "sales", "--hidden", "3", "--solver", "adam",
                         "--lr", "0.01", "--epochs", "2", "--seed", "0", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["n_samples"] == 200 and summary["parameters"] == 13
    assert summary["iterations"] == 2
    # The same files in the same partitions, seeded: the same run, bit for bit.
    import dask.dataframe as dd

    frame = dd.read_parquet(sorted(str(p) for p in sales.glob("*.parquet")))
    model = st.nn.MLPRegressor(hidden=(3,), solver="adam", lr=0.01, epochs=2, seed=0)
    model.fit(frame[["TV", "radio"]], frame["sales"])
    assert summary["training_loss"] == model.loss_
