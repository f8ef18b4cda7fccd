#!/usr/bin/env python3
# What a study could have found at best (issue 16): for a finished study in SQLite and its run folder, the test score
# of the trial chosen by validation, against the best test score of any of its trials chosen with hindsight (on the
# test split itself, which no selection rule may use) and the linear baselines on the same windows. When even the
# hindsight choice does not beat the linear model, no rule for choosing among these trials can.
#
#   /usr/bin/python3 scripts/study-hindsight.py STUDY.db RUNS_FOLDER [--original] [--metric mse]
import json
import os
import sqlite3
import sys

db, runs = sys.argv[1], sys.argv[2]
space = 'original' if '--original' in sys.argv else 'scaled'
metric = sys.argv[sys.argv.index('--metric') + 1] if '--metric' in sys.argv else 'mse'

rows = []
for number, value in sqlite3.connect(db).execute('SELECT number, value FROM trials WHERE value IS NOT NULL'):
    path = os.path.join(runs, f'trial-{number}', 'metrics.json')
    if not os.path.exists(path):
        continue
    test = json.load(open(path))['test'][space]
    rows.append((number, value, test['model'][metric], {k: v[metric] for k, v in test.items() if k != 'model'}))
if not rows:
    sys.exit(f'study-hindsight: no trial of {db} has a metrics.json under {runs}')

chosen = min(rows, key=lambda r: r[1])
hindsight = min(rows, key=lambda r: r[2])
print(f'{len(rows)} trials with test scores ({space} {metric})')
print(f'chosen by validation: trial {chosen[0]}, validation {chosen[1]:.5g}, test {chosen[2]:.5g}')
print(f'best on test (hindsight): trial {hindsight[0]}, validation {hindsight[1]:.5g}, test {hindsight[2]:.5g}')
for name, score in sorted(chosen[3].items()):
    print(f'baseline {name}: {score:.5g} (hindsight {100 * (hindsight[2] / score - 1):+.2f}%)')
