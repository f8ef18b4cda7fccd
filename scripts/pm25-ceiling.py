#!/usr/bin/env python3
# How far below persistence can any model get on the seed's PM2.5 task (issue 16)? The task of
# examples/seed-baseline.yaml: Beijing PM2.5 one hour ahead from the 8 features of the previous hours, the first
# year for training (7008 hours, then 1753 for validation), the next four years (rows 8761-43800) for test, RMSE in
# ug/m3. Fits, with the hyperparameters chosen on the validation hours only:
#   - ridge regression on the last L hours of every feature (L = 1 ... 24), lambda on validation;
#   - the same with two non-linear terms of the last PM2.5 value;
#   - gradient-boosted trees (scikit-learn's HistGradientBoostingRegressor) on the same windows plus hour and month,
#     predicting the value and, separately, the change from the last value (a residual on persistence);
#   - least squares fitted on the test hours themselves: a bound for every linear model of these inputs, and of these
#     inputs with the target hour's hour of day (one-hot, and times the last PM2.5) and its observed weather (an
#     oracle: what a perfect weather forecast for the hour ahead would add).
# Prints each model's test RMSE against persistence on the same windows.
#
#   apt-get install -y python3-pandas python3-sklearn; /usr/bin/python3 scripts/pm25-ceiling.py [CSV]
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

CSV = sys.argv[1] if len(sys.argv) > 1 else '../shared/datasets/pollution.csv'
TRAIN_END, VAL_END, TEST_END = 7008, 8761, 43800

df = pd.read_csv(CSV).iloc[24:].reset_index(drop=True)  # skip_rows: 24, as the example
df['pm2.5'] = df['pm2.5'].fillna(0)  # missing: {constant: 0}
wind = pd.get_dummies(df['cbwd']).astype(float)
raw = pd.concat([df[['pm2.5', 'DEWP', 'TEMP', 'PRES', 'Iws', 'Is', 'Ir']], wind], axis=1).values.astype(float)
y = df['pm2.5'].values.astype(float)
n = len(df)
scaled = (raw - raw[:VAL_END].mean(0)) / (raw[:VAL_END].std(0) + 1e-9)


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def windows(L, extra=False):
    """Inputs of the last L hours at t, target y[t + 1]; rows by the index of their target."""
    t = np.arange(L - 1, n - 1)
    X = np.concatenate([scaled[t - k] for k in range(L)], 1)
    if extra:
        X = np.c_[X, scaled[t, 0] ** 2, np.log1p(np.maximum(raw[t, 0], 0))]
    target = t + 1
    parts = (target < TRAIN_END, (target >= TRAIN_END) & (target < VAL_END), (target >= VAL_END) & (target < TEST_END))
    return t, X, y[target], parts


def ridge(L, extra):
    t, X, Y, (tr, va, te) = windows(L, extra)
    A = lambda m: np.c_[X[m], np.ones(m.sum())]  # noqa: E731
    best = None
    for lam in [1e-3, 1e-2, 0.1, 1, 10, 100, 1000]:
        w = np.linalg.solve(A(tr).T @ A(tr) + lam * np.eye(A(tr).shape[1]), A(tr).T @ Y[tr])
        score = rmse(A(va) @ w, Y[va])
        if best is None or score < best[0]:
            best = (score, w)
    return rmse(A(te) @ best[1], Y[te]), rmse(y[t[te]], Y[te])


def boosted(L, residual):
    t, X, Y, (tr, va, te) = windows(L)
    X = np.c_[X, df['hour'].values[t + 1], df['month'].values[t + 1]]
    base = y[t] if residual else np.zeros(len(t))
    best = None
    for lr in [0.03, 0.1]:
        for leaves in [15, 31]:
            for iters in [50, 100, 200, 400]:
                m = HistGradientBoostingRegressor(learning_rate=lr, max_leaf_nodes=leaves, max_iter=iters,
                                                  random_state=0).fit(X[tr], Y[tr] - base[tr])
                score = rmse(m.predict(X[va]) + base[va], Y[va])
                if best is None or score < best[0]:
                    best = (score, m)
    return rmse(best[1].predict(X[te]) + base[te], Y[te]), rmse(y[t[te]], Y[te])


print('| model | hours of input | test RMSE | persistence | ratio |')
print('|---|---:|---:|---:|---:|')
for L in [1, 2, 3, 6, 12, 24]:
    for extra in [False, True]:
        r, p = ridge(L, extra)
        print(f'| ridge{" + PM2.5^2, log PM2.5" if extra else ""} | {L} | {r:.3f} | {p:.3f} | {r / p:.4f} |')
for L in [1, 3, 6, 24]:
    for residual in [False, True]:
        r, p = boosted(L, residual)
        print(f'| gradient-boosted trees{" on the change" if residual else ""} | {L} | {r:.3f} | {p:.3f} | {r / p:.4f} |')
# A bound for every linear model of these inputs: least squares fitted on the test hours themselves (in sample, which
# no honest model can do).
for L in [1, 3, 6, 24]:
    t, X, Y, (_, _, te) = windows(L)
    A = np.c_[X[te], np.ones(te.sum())]
    r, p = rmse(A @ np.linalg.lstsq(A, Y[te], rcond=None)[0], Y[te]), rmse(y[t[te]], Y[te])
    print(f'| least squares fitted on the test hours (a bound) | {L} | {r:.3f} | {p:.3f} | {r / p:.4f} |')
# The same bound with what the hour ahead itself tells: its hour of day (one-hot, and each times the last PM2.5: a
# daily cycle of the change) and its observed weather (an oracle no forecaster has; a perfect weather forecast).
hour = pd.get_dummies(df['hour']).astype(float).values
for L in [1, 24]:
    t, X, Y, (_, _, te) = windows(L)
    ahead = np.c_[X, hour[t + 1], hour[t + 1] * scaled[t, :1], scaled[t + 1, 1:]]
    A = np.c_[ahead[te], np.ones(te.sum())]
    r, p = rmse(A @ np.linalg.lstsq(A, Y[te], rcond=None)[0], Y[te]), rmse(y[t[te]], Y[te])
    print(f'| the bound + the hour ahead: its hour of day, its observed weather | {L} | {r:.3f} | {p:.3f} | {r / p:.4f} |')
