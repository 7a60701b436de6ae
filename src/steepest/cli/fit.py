"""``steepest fit linear|logistic|mlp``: fit a model to a bundled data set or a CSV file.

    steepest fit linear --data advertising --x TV --y sales
    steepest fit linear --data advertising --x TV --y sales --solver minibatch --batch-size 16
    steepest fit logistic --data tips.csv --x total_bill,size --y smoker --json
    steepest fit mlp --data dosage --x dosage --y efficacy --hidden 2 --activation softplus
    steepest fit linear --data "sales/*.parquet" --x TV,radio --y sales --workers 2

A glob of Parquet or CSV files (or a single .parquet file or folder) is read
with Dask and trained where its partitions live (``pip install
'steepest[dask]'``): on a local cluster of ``--workers`` processes, on the
cluster at ``--scheduler``, or else in Dask's local threads.

Bad data ends with one line on stderr and exit code 2: a file that does not
exist, a column that is not there (the columns are listed), a column that
is not numeric, missing values (how many and in which rows), or fewer rows
than the model has parameters.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import click
import numpy as np

from steepest.cli.options import file_option, json_flag
from steepest.datasets import check_numeric
from steepest.errors import DataError

KINDS = ("linear", "logistic", "mlp")


def load_table(source: str) -> tuple[Any, str]:
    """A bundled data set by name or a CSV file by path, and a name for messages.

    >>> frame, name = load_table("powerlines")
    >>> name, frame.shape
    ('powerlines', (3, 2))
    >>> load_table("no-such-file.csv")
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: no data set or file named 'no-such-file.csv' ...
    """
    import pandas as pd

    from steepest import datasets

    if source.strip().lower() in datasets.names():
        return datasets.load(source), source.strip().lower()
    path = Path(source)
    if not path.is_file():
        raise DataError(
            f"no data set or file named {source!r} (data sets: {', '.join(datasets.names())}; "
            "a file path must point to an existing CSV file)"
        )
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"could not read {path.name} as CSV: {first}") from None
    if frame.shape[0] == 0:
        raise DataError(f"{path.name} has a header but no data rows")
    return frame, path.name


GLOB_CHARACTERS = "*?["


def is_lazy_source(source: str) -> bool:
    """Whether ``--data`` names files for Dask: a glob, or Parquet.

    >>> is_lazy_source("sales/*.csv"), is_lazy_source("tips.csv"), is_lazy_source("a.parquet")
    (True, False, True)
    """
    return any(c in source for c in GLOB_CHARACTERS) or source.rstrip("/").endswith(
        (".parquet", ".pq")) or (Path(source).is_dir() and any(Path(source).glob("*.parquet")))


def load_lazy(source: str) -> tuple[Any, str]:
    """Parquet or CSV files (a glob, a file or a folder of Parquet) as a Dask DataFrame."""
    import glob

    from steepest.optim.distributed import require_dask

    require_dask(f"{source!r} is read with Dask")
    import dask.dataframe as dd

    path = Path(source)
    if path.is_dir():
        files = sorted(str(p) for p in path.glob("*.parquet"))
    else:
        files = sorted(glob.glob(source))
    if not files:
        raise DataError(f"no files match {source!r}")
    parquet = [f for f in files if f.endswith((".parquet", ".pq"))]
    csv = [f for f in files if f.endswith((".csv", ".csv.gz", ".txt"))]
    if parquet and csv:
        raise DataError(f"{source!r} matches both Parquet and CSV files; choose one kind")
    if not parquet and not csv:
        raise DataError(f"{source!r} matches no .parquet or .csv file ({Path(files[0]).name}...)")
    try:
        frame = dd.read_parquet(parquet) if parquet else dd.read_csv(csv, assume_missing=True)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"could not read {source!r}: {first}") from None
    return frame, f"{source} ({len(files)} file{'s' * (len(files) != 1)})"


def _named_columns(frame: Any, name: str, x: str, y: str) -> list[str]:
    """The feature names of ``--x``, each checked to be a column of ``frame`` other than ``y``."""
    features = [c.strip() for c in x.split(",") if c.strip()]
    if not features:
        raise DataError("--x needs at least one column name")
    columns = [str(c) for c in frame.columns]
    for column in [*features, y]:
        if column not in columns:
            raise DataError(f"no column {column!r} in {name}; columns: {', '.join(columns)}")
    if y in features:
        raise DataError(f"column {y!r} cannot be both a feature (--x) and the target (--y)")
    return features


def select_lazy_columns(frame: Any, name: str, x: str, y: str, *,
                        numeric_y: bool) -> tuple[Any, Any]:
    """Features and target of a Dask DataFrame; the kinds of columns are checked here, the
    values (missing, infinite) partition by partition when the model reads them."""
    import pandas as pd

    features = _named_columns(frame, name, x, y)
    for column in features + ([y] if numeric_y else []):
        kind = frame[column].dtype
        if pd.api.types.is_bool_dtype(kind) or not pd.api.types.is_numeric_dtype(kind):
            raise DataError(
                f"column {column!r} of {name} holds {kind} values, not numbers; encode them "
                "as numbers first"
            )
    return frame[features], frame[y]


def _rows(mask: Any) -> str:
    rows = [int(i) + 1 for i in np.flatnonzero(np.asarray(mask))]
    shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
    return f"row{'s' if len(rows) > 1 else ''} {shown}"


def select_columns(frame: Any, name: str, x: str, y: str, *, numeric_y: bool) -> tuple[Any, Any]:
    """Features and target from column names, checked; rows are counted from 1.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": [1, 2, 3]})
    >>> select_columns(frame, "t.csv", "a", "b", numeric_y=True)
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: column 'a' of t.csv has 1 missing value (row 2)
    """
    import pandas as pd

    features = _named_columns(frame, name, x, y)
    for column in features + ([y] if numeric_y else []):
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            raise DataError(
                f"column {column!r} of {name} holds true/false values, not numbers; "
                "encode them as 0 and 1 first"
            )
        check_numeric(values, column, name)
    for column in [*features, y]:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            count = int(missing.sum())
            raise DataError(
                f"column {column!r} of {name} has {count} missing "
                f"value{'s' if count > 1 else ''} ({_rows(missing)})"
            )
        if pd.api.types.is_numeric_dtype(frame[column]):
            infinite = ~np.isfinite(frame[column].to_numpy(dtype=float))
            if infinite.any():
                raise DataError(
                    f"column {column!r} of {name} has {int(infinite.sum())} "
                    f"infinite value(s) ({_rows(infinite)})"
                )
    return frame[features], frame[y]


def _number_list(text: str, option: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise DataError(
            f"{option} must be whole numbers separated by commas, not {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise DataError(f"{option} must be positive whole numbers, not {text!r}")
    return sizes


def build_model(
    kind: str,
    *,
    solver: str | None,
    loss: str | None,
    lr: float | None,
    epochs: int | None,
    batch_size: int | None,
    seed: int | None,
    delta: float,
    hidden: str,
    activation: str,
    classify: bool,
    verbose: bool | None = False,
) -> Any:
    """The estimator the options describe (``verbose``: its progress bar on stderr, None
    when stderr is a terminal)."""
    from steepest import models, nn

    if kind == "linear":
        return models.LinearRegression(
            solver=solver or "auto",
            loss=loss or "mse",
            delta=delta,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            verbose=verbose,
        )
    if kind == "logistic":
        if loss is not None:
            raise DataError("logistic regression always uses the log-loss: drop --loss")
        return models.LogisticRegression(
            solver=solver or "auto", lr=lr, epochs=epochs, batch_size=batch_size, seed=seed,
            verbose=verbose,
        )
    options: dict[str, Any] = {
        "hidden": _number_list(hidden, "--hidden"),
        "activation": activation,
        "solver": solver or "adam",
        "lr": lr,
        "epochs": epochs if epochs is not None else 200,
        "batch_size": batch_size if batch_size is not None else "auto",
        "seed": seed,
        "verbose": verbose,
    }
    if classify:
        if loss is not None:
            raise DataError("a classifying network always uses cross-entropy: drop --loss")
        return nn.MLPClassifier(**options)
    return nn.MLPRegressor(loss=loss or "mse", delta=delta, **options)


def fit_summary(
    kind: str, model: Any, X: Any, y: Any, seconds: float, warnings_seen: list[str]
) -> dict[str, Any]:
    """Everything the command reports, as plain Python values."""
    from steepest.optim.distributed import is_lazy

    lazy = is_lazy(X)
    summary: dict[str, Any] = {
        "model": type(model).__name__,
        "n_samples": len(X) if lazy else int(X.shape[0]),
        "features": [str(c) for c in X.columns],
    }
    params = model.get_params(deep=False)
    summary["settings"] = {
        k: (v if isinstance(v, int | float | str | bool | type(None)) else repr(v))
        for k, v in params.items()
    }
    if kind in ("linear", "logistic"):
        summary["intercept"] = float(model.intercept_)
        summary["coefficients"] = {
            str(c): float(v) for c, v in zip(X.columns, model.coef_, strict=True)
        }
    else:
        summary["parameters"] = int(model.network_.num_parameters())
        summary["hidden"] = list(
            _number_list(
                ",".join(map(str, model.hidden))
                if not isinstance(model.hidden, int)
                else str(model.hidden),
                "--hidden",
            )
        )
    history = model.history_
    summary["iterations"] = int(model.n_iter_)
    if hasattr(model, "converged_"):
        summary["converged"] = bool(model.converged_)
    summary["training_loss"] = float(getattr(model, "loss_", history["loss"].iloc[-1]))
    score_name = "accuracy" if getattr(model, "_estimator_type", "") == "classifier" else "r2"
    if lazy:
        from steepest.models.lazy import score

        summary[score_name] = score(model, X, y)
    else:
        summary[score_name] = float(model.score(X, y))
    if score_name == "accuracy":
        summary["classes"] = [c.item() if hasattr(c, "item") else c for c in model.classes_]
    summary["seconds"] = round(seconds, 4)
    summary["warnings"] = warnings_seen
    return summary


def _print_summary(summary: dict[str, Any]) -> None:
    click.echo(
        f"{summary['model']} on {summary['n_samples']} rows ({', '.join(summary['features'])})"
    )
    settings = summary["settings"]
    shown = {k: v for k, v in settings.items() if v is not None and k not in ("verbose",)}
    click.echo("  " + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())))
    if "coefficients" in summary:
        width = max(len("intercept"), *(len(c) for c in summary["coefficients"]))
        click.echo(f"  {'intercept':<{width}}  {summary['intercept']:.6g}")
        for name, value in summary["coefficients"].items():
            click.echo(f"  {name:<{width}}  {value:.6g}")
    else:
        click.echo(f"  hidden layers {summary['hidden']}, {summary['parameters']} parameters")
    steps = summary["iterations"]
    converged = summary.get("converged")
    state = "" if converged is None else (", converged" if converged else ", not converged")
    click.echo(f"  iterations {steps}{state}; training loss {summary['training_loss']:.6g}")
    if "r2" in summary:
        click.echo(f"  R^2 {summary['r2']:.4f}")
    else:
        click.echo(f"  accuracy {summary['accuracy']:.4f} (classes {summary['classes']})")
    click.echo(f"  {summary['seconds']:.3g} s")


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--data",
    "source",
    required=True,
    help="A bundled data set (advertising, tips, dosage, powerlines), a CSV file, or a glob "
    "of Parquet or CSV files read with Dask ('sales/*.parquet').",
)
@click.option("--x", "x_columns", required=True, help="Feature columns, comma separated.")
@click.option("--y", "y_column", required=True, help="The target column.")
@click.option(
    "--solver",
    default=None,
    help="normal, gd, sgd, minibatch, or an optimizer: momentum, adam, lbfgs...",
)
@click.option("--loss", default=None, help="mse, mae or huber (mlp also ssr).")
@click.option("--delta", default=1.0, show_default=True, type=float, help="Huber's threshold.")
@click.option("--lr", default=None, type=float, help="Learning rate (default: chosen from data).")
@click.option(
    "--epochs",
    default=None,
    type=click.IntRange(min=1),
    help="Steps (full batch) or epochs (stochastic).",
)
@click.option("--batch-size", default=None, type=click.IntRange(min=1), help="Rows per step.")
@click.option("--seed", default=None, type=int, help="Seed of shuffling and initial weights.")
@click.option(
    "--hidden", default="16", show_default=True, help="mlp: hidden layer sizes, comma separated."
)
@click.option(
    "--activation",
    default="relu",
    show_default=True,
    type=click.Choice(["relu", "softplus", "tanh", "sigmoid"]),
    help="mlp activation.",
)
@click.option("--classify", is_flag=True, help="mlp: predict classes (text targets imply it).")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Train on a local Dask cluster of this many worker processes.")
@click.option("--scheduler", default=None,
              help="Train on the Dask cluster at this address (tcp://host:8786).")
@click.option("--progress/--no-progress", default=None,
              help="A progress bar on stderr while training (default: for files read with "
              "Dask and for mlp, when stderr is a terminal).")
@json_flag("Print the results as JSON.")
@file_option("--plot", "plot_path", "Save a picture of the fit (PNG, SVG or PDF).")
def fit(
    kind: str,
    source: str,
    x_columns: str,
    y_column: str,
    solver: str | None,
    loss: str | None,
    delta: float,
    lr: float | None,
    epochs: int | None,
    batch_size: int | None,
    seed: int | None,
    hidden: str,
    activation: str,
    classify: bool,
    workers: int | None,
    scheduler: str | None,
    progress: bool | None,
    as_json: bool,
    plot_path: str | None,
) -> None:
    """Fit a linear, logistic or neural-network model to data and report what it learned."""
    if workers is not None and scheduler is not None:
        raise DataError("give --workers (a local cluster) or --scheduler (an existing one), "
                        "not both")
    options = {"solver": solver, "loss": loss, "lr": lr, "epochs": epochs,
               "batch_size": batch_size, "seed": seed, "delta": delta, "hidden": hidden,
               "activation": activation, "classify": classify, "verbose": progress}
    if is_lazy_source(source) or workers is not None or scheduler is not None:
        _fit_lazy(kind, source, x_columns, y_column, options, workers, scheduler, as_json,
                  plot_path)
        return
    import pandas as pd

    frame, name = load_table(source)
    if kind == "mlp" and y_column in frame.columns and not classify:
        target = frame[y_column]
        classify = not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target)
    numeric_y = kind == "linear" or (kind == "mlp" and not classify)
    X, y = select_columns(frame, name, x_columns, y_column, numeric_y=numeric_y)
    if kind in ("linear", "logistic"):
        parameters = X.shape[1] + 1
        if X.shape[0] < parameters:
            raise DataError(
                f"{X.shape[0]} row{'s' if X.shape[0] != 1 else ''} cannot determine "
                f"{parameters} parameters (an intercept and {X.shape[1]} coefficient"
                f"{'s' if X.shape[1] != 1 else ''}): give at least {parameters} rows"
            )
    if kind == "logistic" and y.nunique() != 2:
        raise DataError(
            f"logistic regression needs a target with two classes; column "
            f"{y_column!r} has {y.nunique()}"
        )
    if progress is None and kind != "mlp":  # a fit in memory is over in a moment
        options["verbose"] = False
    model = build_model(kind, **{**options, "classify": classify})
    _train_and_report(kind, model, X, y, y_column, as_json, plot_path)


def _fit_lazy(kind: str, source: str, x_columns: str, y_column: str, options: dict[str, Any],
              workers: int | None, scheduler: str | None, as_json: bool,
              plot_path: str | None) -> None:
    """Train on files read with Dask, on the cluster the options name."""
    import contextlib

    from steepest.optim.distributed import cluster

    if is_lazy_source(source):
        frame, name = load_lazy(source)
    else:
        table, name = load_table(source)
        import dask.dataframe as dd

        frame = dd.from_pandas(table, npartitions=max(1, workers or 1))
    if kind == "mlp" and y_column in frame.columns and not options["classify"]:
        import pandas as pd

        target = frame[y_column].dtype
        options["classify"] = not pd.api.types.is_numeric_dtype(target) or \
            pd.api.types.is_bool_dtype(target)
    numeric_y = kind == "linear" or (kind == "mlp" and not options["classify"])
    X, y = select_lazy_columns(frame, name, x_columns, y_column, numeric_y=numeric_y)
    model = build_model(kind, **options)
    if scheduler is not None:
        started: Any = cluster(scheduler=scheduler)
    elif workers is not None:
        started = cluster(workers)  # prints the dashboard's link on stderr
    else:
        started = contextlib.nullcontext()
    with started:
        if kind == "logistic" or (kind == "mlp" and options["classify"]):
            classes = int(y.nunique().compute())  # on the cluster, where the data is read
            if kind == "logistic" and classes != 2:
                raise DataError(
                    f"logistic regression needs a target with two classes; column "
                    f"{y_column!r} has {classes}"
                )
            if classes < 2:
                raise DataError(f"a classifier needs at least two classes; column "
                                f"{y_column!r} has {classes}")
        _train_and_report(kind, model, X, y, y_column, as_json, plot_path)


def _train_and_report(kind: str, model: Any, X: Any, y: Any, y_column: str, as_json: bool,
                      plot_path: str | None) -> None:
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    seconds = time.perf_counter() - started
    seen = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    summary = fit_summary(kind, model, X, y, seconds, seen)
    if plot_path is not None:
        from steepest.optim.distributed import is_lazy

        if is_lazy(X):  # the picture shows the first rows, the fit used them all
            X, y = X.head(5000, npartitions=-1), y.head(5000, npartitions=-1)
        from steepest.plot.fitted import regression_fit

        figure = regression_fit(
            model, X, y, title=f"{summary['model']}: {y_column} on {', '.join(summary['features'])}"
        )
        try:
            figure.savefig(plot_path)
        except (ValueError, OSError) as exc:
            raise DataError(f"could not write the picture {plot_path}: {exc}") from None
        summary["plot"] = plot_path
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    _print_summary(summary)
    for message in seen:
        click.echo(f"warning: {message}", err=True)
    if plot_path is not None:
        click.echo(f"  picture written to {plot_path}")


__all__ = ["build_model", "fit", "fit_summary", "load_table", "select_columns"]
