"""`python -m ml_steps <step> …`: what each pod of the ML pipeline runs, one step per pod.

Steps hand each other their outputs through locations (local paths or s3:// URIs) given on the command line, never
through the environment; `evaluate` can also write its metrics where KubernetesPodOperator's XCom sidecar reads
them (`--xcom-file /airflow/xcom/return.json`), so the DAG can decide whether to publish.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable

from ml_steps import storage
from ml_steps.features import FeatureSet, prepare_features
from ml_steps.model import Model, evaluate, train


def read_json(location: str) -> dict:
    return json.loads(storage.read_text(location))


def write_json(location: str, data: dict) -> None:
    storage.write_text(location, json.dumps(data, indent=2, sort_keys=True))


def run_prepare_features(args: argparse.Namespace) -> dict:
    features = prepare_features(csv.DictReader(io.StringIO(storage.read_text(args.raw))))
    write_json(args.features, features.to_dict())
    return {"train": len(features.train), "holdout": len(features.holdout)}


def run_train(args: argparse.Namespace) -> dict:
    features = FeatureSet.from_dict(read_json(args.features))
    model = train(features, epochs=args.epochs, learning_rate=args.learning_rate, l2=args.l2)
    write_json(args.model, model.to_dict())
    return {"weights": model.weights, "bias": model.bias}


def run_evaluate(args: argparse.Namespace) -> dict:
    metrics = evaluate(Model.from_dict(read_json(args.model)), FeatureSet.from_dict(read_json(args.features)).holdout)
    write_json(args.metrics, metrics)
    if args.xcom_file:
        write_json(args.xcom_file, metrics)
    return metrics


def run_publish(args: argparse.Namespace) -> dict:
    """Copy the model with its metrics to `<registry>/<version>.json`, then point `<registry>/latest.json` at it."""
    registry = args.registry.rstrip("/")
    published = {"version": args.version, "model": read_json(args.model), "metrics": read_json(args.metrics)}
    write_json(f"{registry}/{args.version}.json", published)
    # Written last: a reader of latest.json never finds a version that is not there yet.
    write_json(f"{registry}/latest.json", {"version": args.version, "location": f"{registry}/{args.version}.json"})
    return {"published": f"{registry}/{args.version}.json"}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m ml_steps", description=__doc__.splitlines()[0])
    steps = root.add_subparsers(dest="step", required=True)

    def step(name: str, run: Callable[[argparse.Namespace], dict], help_text: str) -> argparse.ArgumentParser:
        sub = steps.add_parser(name, help=help_text)
        sub.set_defaults(run=run)
        return sub

    prepare = step("prepare-features", run_prepare_features, "raw customers CSV -> standardised examples")
    prepare.add_argument("--raw", required=True, help="CSV with customer_id, the feature columns and churned")
    prepare.add_argument("--features", required=True, help="where to write the feature set (JSON)")

    fit = step("train", run_train, "feature set -> logistic regression model")
    fit.add_argument("--features", required=True)
    fit.add_argument("--model", required=True, help="where to write the model (JSON)")
    fit.add_argument("--epochs", type=int, default=300)
    fit.add_argument("--learning-rate", type=float, default=0.5)
    fit.add_argument("--l2", type=float, default=0.01)

    score = step("evaluate", run_evaluate, "model + holdout examples -> metrics")
    score.add_argument("--features", required=True)
    score.add_argument("--model", required=True)
    score.add_argument("--metrics", required=True, help="where to write the metrics (JSON)")
    score.add_argument("--xcom-file", help="also write the metrics here (KubernetesPodOperator's XCom file)")

    publish = step("publish", run_publish, "model + metrics -> the model registry")
    publish.add_argument("--model", required=True)
    publish.add_argument("--metrics", required=True)
    publish.add_argument("--registry", required=True, help="registry prefix, e.g. s3://bucket/models/churn")
    publish.add_argument("--version", required=True, help="the published version's name, e.g. the run's date")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    summary = args.run(args)
    print(json.dumps({"step": args.step, **summary}, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
