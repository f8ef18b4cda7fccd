"""Optuna's TPE driven by scripts/bench-search.ts over stdin/stdout, one JSON object a line.

The bench writes {"op": "start", "space": [...], "seed": s, "multivariate": b, "group": b}, then
{"op": "ask"} (answered with {"params": {...}, "ms": ask time}) and {"op": "tell", "value": v}
(answered with {"ms": tell time}); {"op": "quit"} ends. The objective stays in the bench, so both libraries
are scored by the same code. Run with /usr/bin/python3 (Debian's python3-optuna).
"""
import json
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def suggest(trial, space):
    params = {}
    for p in space:
        when = p.get("when") or {}
        if any(params.get(k) != v for k, v in when.items()):
            continue
        name = p["name"]
        if p["kind"] == "categorical":
            params[name] = trial.suggest_categorical(name, p["values"])
        elif p["kind"] == "int":
            params[name] = trial.suggest_int(name, p["lo"], p["hi"], log=p["log"])
        else:
            params[name] = trial.suggest_float(name, p["lo"], p["hi"], log=p["log"])
    return params


def main():
    study = space = trial = None
    out = sys.stdout
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "start":
            sampler = optuna.samplers.TPESampler(
                seed=cmd["seed"], multivariate=cmd["multivariate"], group=cmd["group"]
            )
            study = optuna.create_study(sampler=sampler)
            space = cmd["space"]
            out.write("{}\n")
        elif cmd["op"] == "ask":
            t0 = time.perf_counter()
            trial = study.ask()
            params = suggest(trial, space)
            out.write(json.dumps({"params": params, "ms": (time.perf_counter() - t0) * 1e3}) + "\n")
        elif cmd["op"] == "tell":
            t0 = time.perf_counter()
            study.tell(trial, cmd["value"])
            out.write(json.dumps({"ms": (time.perf_counter() - t0) * 1e3}) + "\n")
        else:
            return
        out.flush()


if __name__ == "__main__":
    main()
