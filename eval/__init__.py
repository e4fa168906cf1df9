"""Evaluation harness: suites of question/answer cases, scored on answers, citations,
retrieval and latency.

    from eval import run_eval
    run = run_eval(["eval/suites/seeds.jsonl"], corpus=["../shared/seeds"])
    run.summary["answer_accuracy"]
"""

from eval.run import NAIVE, EvalRun, run_eval
from eval.suite import Case, SuiteError, load_suite

__all__ = ["NAIVE", "Case", "EvalRun", "SuiteError", "load_suite", "run_eval"]
