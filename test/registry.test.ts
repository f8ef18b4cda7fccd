// The generic registry: lookups by any spelling, "did you mean", the three forms resolve() accepts,
// the config-file schema it derives, and key spellings.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ValueError } from '../src/errors.js';
import { editDistance, type IssueLike, posNum, Registry, spellAs } from '../src/registry.js';

const reg = new Registry({ kind: 'optimizer', title: 'optimizers' }, [
  { name: 'adam', doc: 'a', options: z.strictObject({ learning_rate: posNum().optional() }) },
  { name: 'rmsprop', className: 'RMSprop', doc: 'r', options: z.strictObject({ rho: posNum().optional() }) },
  { name: 'mean_squared_error', aliases: ['mse'], doc: 'm' },
]);

test('a registry finds an entry by its name, class name or alias, and says what it expected otherwise', () => {
  assert.equal(reg.get('RMSprop').name, 'rmsprop');
  assert.equal(reg.get('mse').name, 'mean_squared_error');
  assert.deepEqual(reg.names, ['adam', 'rmsprop', 'mean_squared_error']);
  assert.throws(
    () => reg.get('adamx', 'train.optimizer'),
    (e: Error) =>
      e instanceof ValueError &&
      e.message ===
        'train.optimizer: expected one of adam, rmsprop, mean_squared_error, received "adamx" (did you mean "adam"?)',
  );
  assert.throws(() => reg.get('RMSProp'), /\(did you mean "rmsprop"\?\)/, 'case is folded');
  assert.throws(
    () => reg.get('zzzzzz'),
    (e: Error) => !e.message.includes('did you mean'),
  );
  assert.equal(reg.suggest('RMSProp', 'className'), 'RMSprop');
  assert.throws(() => new Registry({ kind: 'x', title: 'xs' }, [{ name: 'a' }, { name: 'b', aliases: ['a'] }]));
});

test('edit distance counts an adjacent swap as one edit', () => {
  assert.equal(editDistance('gru', 'gur'), 1);
  assert.equal(editDistance('adamax', 'adam'), 2);
  assert.equal(editDistance('', 'abc'), 3);
});

test('resolve takes a name, a saved { className, config } and a config file { name: options }', () => {
  assert.deepEqual(reg.resolve('adam'), { entry: reg.entries[0], options: undefined });
  assert.deepEqual(reg.resolve({ className: 'RMSprop', config: { rho: 0.9 } }).options, { rho: 0.9 });
  assert.deepEqual(reg.resolve({ adam: { learning_rate: 0.1 } }).options, { learning_rate: 0.1 });
  assert.throws(() => reg.resolve({ adam: {}, rmsprop: {} }, 'opt'), /opt: expected one of adam, .* or \{name/);
  assert.throws(() => reg.parse({ adam: { learning_rate: -1 } }, 'opt'), /opt.adam.learning_rate: expected a positive/);
  assert.deepEqual(reg.parse('adam').options, {}, 'a bare name stands for empty options');
});

test('the derived schema checks names, keys and options, and keeps the value as written', () => {
  const s = reg.schema('either');
  assert.deepEqual(s.parse({ adam: { learning_rate: 0.1 } }), { adam: { learning_rate: 0.1 } });
  assert.equal(s.parse('mse'), 'mse', 'a bare name may be any spelling');
  const issue = (v: unknown): IssueLike => {
    const r = s.safeParse(v);
    assert.ok(!r.success);
    return r.error.issues[0]!;
  };
  assert.deepEqual(issue({ adamx: {} }).path, ['adamx']);
  assert.match(String(issue({ adamx: {} }).params?.sentence), /^unknown optimizer "adamx"; expected one of .*"adam"/);
  assert.match(String(issue({ mse: {} }).params?.sentence), /unknown optimizer "mse".*did you mean "mean_squared/);
  assert.deepEqual(issue({ adam: { learning_rate: 0 } }).path, ['adam', 'learning_rate']);
  assert.deepEqual(issue({ adam: { lr: 1 } }).path, ['adam', 'lr']);
  assert.match(String(issue({ adam: { lr: 1 } }).params?.sentence), /^unknown key; adam takes learning_rate/);
  assert.equal(issue('adamx').params?.suggestion, 'adam');
  assert.equal(reg.schema('name').safeParse({ adam: {} }).success, false);
});

test('spellAs spells keys as the schema does, from either spelling or an alias', () => {
  assert.deepEqual(
    spellAs({ tMax: 3, t0: 1, beta1: 0.9, lr: 0.1, other: 1 }, ['t_max', 't_0', 'beta_1', 'learning_rate'], {
      lr: 'learning_rate',
    }),
    {
      t_max: 3,
      t_0: 1,
      beta_1: 0.9,
      learning_rate: 0.1,
      other: 1,
    },
  );
});

test('a value a message shows is JSON where it is an object (not [object Object]), a name cut short finds its key', async () => {
  const { expected } = await import('../src/errors.js');
  const { nearestName } = await import('../src/registry.js');
  assert.equal(
    expected('RepeatVector.n', 'a positive integer', { n: 2 }),
    'RepeatVector.n: expected a positive integer, received {"n":2}',
  );
  assert.equal(expected('x', 'a number', [1, 2]), 'x: expected a number, received [1,2]');
  assert.equal(expected('x', 'a number', undefined), 'x: expected a number, received undefined');
  assert.equal(nearestName('dilation', ['strides', 'dilation_rate']), 'dilation_rate');
  assert.equal(nearestName('kernel', ['kernel_size', 'kernel_initializer']), undefined, 'two keys start with it');
  assert.equal(nearestName('lr', ['learning_rate']), undefined);
});

test("a {name: options} form given in TypeScript refuses an option its entry lacks; a saved {className, config} reads past Keras' optimizer bookkeeping at its defaults", async () => {
  const { getOptimizer, getSchedule } = await import('../src/optim/index.js');
  const { getInitializer, getLoss } = await import('../src/nn/index.js');
  const { dense, gru } = await import('../src/nn/index.js');
  const { sequential } = await import('../src/train/index.js');
  const refused: [() => unknown, string][] = [
    [
      () => getOptimizer({ adam: { learnig_rate: 0.1 } }),
      'optimizer.adam.learnig_rate: unknown key (did you mean "learning_rate"?)',
    ],
    [
      () => getOptimizer({ sgd: { learningRate: 0.1, momentun: 0.9, foo: 1 } }),
      'optimizer.sgd.momentun: unknown key (also foo) (did you mean "momentum"?)',
    ],
    [() => getSchedule({ cosine: { tmax: 10 } }), 'schedule.cosine.tmax: unknown key (did you mean "t_max"?)'],
    [() => getLoss({ huber: { delt: 0.5 } } as never), 'loss.huber.delt: unknown key (did you mean "delta"?)'],
    [() => getLoss({ mse: { delta: 0.5 } } as never), 'loss.mse.delta: unknown key; loss.mse takes no options'],
    [
      () => getInitializer({ random_normal: { stdev: 2 } }),
      'initializer.random_normal.stdev: unknown key (did you mean "stddev"?)',
    ],
    [
      () =>
        sequential([gru({ units: 2, inputShape: [3, 1] }), dense({ units: 1 })]).compile({
          optimizer: { adam: { learnig_rate: 0.1 } },
        }),
      'optimizer.adam.learnig_rate: unknown key (did you mean "learning_rate"?)',
    ],
  ];
  for (const [make, message] of refused) assert.throws(make, { name: 'ValueError', message });
  // either spelling and the lr alias are options it takes; a saved config's extra keys (Keras writes name, amsgrad)
  // are read past
  assert.equal(getOptimizer({ adam: { learningRate: 0.1, beta_1: 0.8 } }).learningRate, 0.1);
  assert.equal(getOptimizer({ adam: { lr: 0.2 } }).learningRate, 0.2);
  assert.equal(getOptimizer({ className: 'adam', config: { learning_rate: 0.3, amsgrad: false } }).learningRate, 0.3);
  // Keras 3's Adam.get_config() as written: its bookkeeping at the defaults is read past
  const keras = {
    name: 'adam',
    learning_rate: 0.002,
    weight_decay: null,
    clipnorm: null,
    global_clipnorm: null,
    clipvalue: null,
    use_ema: false,
    ema_momentum: 0.99,
    ema_overwrite_frequency: null,
    loss_scale_factor: null,
    gradient_accumulation_steps: null,
    beta_1: 0.8,
    beta_2: 0.999,
    epsilon: 1e-7,
    amsgrad: false,
  };
  assert.deepEqual(getOptimizer({ className: 'adam', config: keras as never }).getConfig().config, {
    learningRate: 0.002,
    beta1: 0.8,
    beta2: 0.999,
    epsilon: 1e-7,
    weightDecay: 0,
  });
  // what would change the update, or a key that is neither (PyTorch's eps), is refused: each trained plain Adam
  for (const [config, message] of [
    [
      { ...keras, amsgrad: true },
      /optimizer.adam.amsgrad: expected false, received true: seqtune's adam has no amsgrad/,
    ],
    [{ ...keras, clipnorm: 1 }, /optimizer.adam.clipnorm: expected null, received 1: .*compile's clipnorm/],
    [{ learning_rate: 0.01, eps: 0.5 }, /optimizer.adam.eps: unknown key; optimizer.adam takes .*epsilon/],
  ] as const)
    assert.throws(() => getOptimizer({ className: 'adam', config: config as never }), { name: 'ValueError', message });
  assert.equal(getSchedule({ cosine: { tMax: 10 } }).config.className, 'cosine');
});

test("an initializer's or a schedule's saved { className, config } refuses a key it does not take, as an optimizer's", async () => {
  const { getSchedule } = await import('../src/optim/index.js');
  const { getInitializer } = await import('../src/nn/index.js');
  // each was skipped without a word: {className: 'randomNormal', config: {stdev: 2}} drew at stddev 0.05 and
  // {className: 'cosine', config: {t_max: 10, eta_mni: 0.1}} annealed to 0
  for (const [make, message] of [
    [
      () => getInitializer({ className: 'randomNormal', config: { stdev: 2 } } as never),
      'initializer.random_normal.stdev: unknown key (did you mean "stddev"?)',
    ],
    [
      () => getInitializer({ className: 'glorotUniform', config: { seed: null, gain: 2 } } as never),
      'initializer.glorot_uniform.gain: unknown key; initializer.glorot_uniform takes no options',
    ],
    [
      () => getSchedule({ className: 'cosine', config: { t_max: 10, eta_mni: 0.1 } } as never),
      'schedule.cosine.eta_mni: unknown key (did you mean "eta_min"?)',
    ],
  ] as const)
    assert.throws(make, { name: 'ValueError', message });
  // Keras writes seed in a random initializer's config, null or set: it loads (seqtune draws from the model's seed)
  const normal = getInitializer({ className: 'randomNormal', config: { mean: 0, stddev: 2, seed: 7 } } as never);
  assert.deepEqual(normal.config, { className: 'randomNormal', config: { mean: 0, stddev: 2 } });
  assert.equal(
    getInitializer({ className: 'glorotUniform', config: { seed: null } } as never).config.className,
    'glorotUniform',
  );
  assert.equal(
    getInitializer({ className: 'orthogonal', config: { gain: 1, seed: null } } as never).config.className,
    'orthogonal',
  );
  // what seqtune saves loads
  const cosine = getSchedule({ cosine: { t_max: 10, eta_min: 0.1 } });
  assert.deepEqual(getSchedule(cosine.config as never).config, cosine.config);
  // biome-ignore lint/suspicious/noThenProperty: `then` is the config key users write (warmup: {then: ...})
  const warm = getSchedule({ warmup: { epochs: 2, then: { cosine: { t_max: 5 } } } });
  assert.deepEqual(getSchedule(warm.config as never).config, warm.config);
});

test("a loss's saved { className, config } refuses a key it does not take, and Keras' reduction other than the mean", async () => {
  const { getLoss } = await import('../src/nn/index.js');
  // each was dropped without a word: huber with `delt: 5` trained at delta 1, and Keras' reduction "sum" (a loss
  // the batch size times larger) trained on the mean
  for (const [config, message] of [
    [{ className: 'huber', config: { delt: 5 } }, 'loss.huber.delt: unknown key (did you mean "delta"?)'],
    [{ className: 'mse', config: { foo: 1 } }, 'loss.mse.foo: unknown key; loss.mse takes no options'],
    [
      { className: 'mse', config: { name: 'mean_squared_error', reduction: 'sum' } },
      /^loss\.mse\.reduction: expected "sum_over_batch_size", received "sum": .*PyTorch's "mean"$/,
    ],
    [{ className: 'mae', config: { dtype: 'float64' } }, /^loss\.mae\.dtype: expected null or "float32"/],
  ] as const)
    assert.throws(() => getLoss(config as never), { name: 'ValueError', message });
  // Keras' bookkeeping at the mean loads; what seqtune saves loads
  const keras = getLoss({ className: 'huber', config: { delta: 2, name: 'huber_loss', reduction: 'auto' } } as never);
  assert.deepEqual(keras.config, { className: 'huber', config: { delta: 2 } });
  const saved = getLoss({ huber: { delta: 0.5 } });
  assert.deepEqual(getLoss(saved.config as never).config, saved.config);
  assert.equal(
    getLoss({ className: 'mse', config: { reduction: 'sum_over_batch_size', dtype: null } } as never).config.className,
    'mse',
  );
});
