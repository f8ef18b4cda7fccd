// Learning-rate schedules as pure functions of the epoch (0-based) and the base rate, in closed form:
//   step:          base * factor^floor(epoch / every)
//   exponential:   base * rate^(epoch / steps)
//   inverse_time:  base / (1 + rate * epoch / steps)
//   cosine:        eta_min + (base - eta_min) (1 + cos(pi * min(epoch, t_max) / t_max)) / 2
//   cosine_restarts (SGDR, as torch CosineAnnealingWarmRestarts): the cosine over cycles of
//                  t_0, t_0*t_mult, t_0*t_mult^2, ... epochs, restarting at base
//   warmup:        base * (epoch + 1) / epochs for the first `epochs` epochs, then `then` (shifted), else base
import { expected, ValueError } from '../errors.js';

export type ScheduleName =
  | 'constant'
  | 'step'
  | 'exponential'
  | 'inverse_time'
  | 'cosine'
  | 'cosine_restarts'
  | 'warmup';
export const SCHEDULES: readonly ScheduleName[] = [
  'constant',
  'step',
  'exponential',
  'inverse_time',
  'cosine',
  'cosine_restarts',
  'warmup',
];

export interface ScheduleConfig {
  className: ScheduleName;
  config: Record<string, unknown>;
}
/** A name, a config, or Keras/YAML style `{ cosine: { t_max: 400 } }`. */
export type ScheduleLike = ScheduleName | ScheduleConfig | Record<string, Record<string, unknown>> | Schedule;

export interface Schedule {
  readonly config: ScheduleConfig;
  /** Learning rate for this epoch, given the optimizer's base rate. */
  lrAt(epoch: number, base: number): number;
  /** For restarting schedules: true when `epoch` is the last epoch of a cycle. */
  isCycleEnd?(epoch: number): boolean;
}

const SNAKE: Record<string, string> = { tMax: 't_max', etaMin: 'eta_min', t0: 't_0', tMult: 't_mult' };

function num(
  cfg: Record<string, unknown>,
  key: string,
  def: number | undefined,
  where: string,
  lo = 0,
  strictLo = false,
): number {
  const v = cfg[key] ?? def;
  if (typeof v !== 'number' || !Number.isFinite(v) || (strictLo ? v <= lo : v < lo)) {
    throw new ValueError(expected(`${where}.${key}`, `a number ${strictLo ? '>' : '>='} ${lo}`, v));
  }
  return v;
}

/** SGDR position: cycle index, epoch within the cycle, cycle length. */
export function sgdrPosition(epoch: number, t0: number, tMult: number): { cycle: number; tCur: number; tI: number } {
  if (tMult === 1) return { cycle: Math.floor(epoch / t0), tCur: epoch % t0, tI: t0 };
  const n = Math.floor(Math.log((epoch / t0) * (tMult - 1) + 1) / Math.log(tMult));
  const start = (t0 * (tMult ** n - 1)) / (tMult - 1);
  return { cycle: n, tCur: epoch - start, tI: t0 * tMult ** n };
}

export function getSchedule(like: ScheduleLike, key = 'schedule'): Schedule {
  if (typeof like === 'object' && like !== null && 'lrAt' in like) return like as Schedule;
  let cfg: ScheduleConfig;
  if (typeof like === 'string') cfg = { className: like, config: {} };
  else if (typeof like === 'object' && like !== null && 'className' in like) cfg = like as ScheduleConfig;
  else if (typeof like === 'object' && like !== null && Object.keys(like).length === 1) {
    const [name, c] = Object.entries(like)[0]!;
    cfg = { className: name as ScheduleName, config: (c ?? {}) as Record<string, unknown> };
  } else
    throw new ValueError(expected(key, `one of ${SCHEDULES.join(', ')} or {name: {options}}`, JSON.stringify(like)));
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg.config ?? {})) c[SNAKE[k] ?? k] = v;
  const where = `${key}.${cfg.className}`;
  const config: ScheduleConfig = { className: cfg.className, config: c };
  switch (cfg.className) {
    case 'constant':
      return { config, lrAt: (_e, b) => b };
    case 'step': {
      const factor = num(c, 'factor', 0.5, where, 0, true),
        every = num(c, 'every', 10, where, 0, true);
      return {
        config: { className: 'step', config: { factor, every } },
        lrAt: (e, b) => b * factor ** Math.floor(e / every),
      };
    }
    case 'exponential': {
      const rate = num(c, 'rate', 0.96, where, 0, true),
        steps = num(c, 'steps', 1, where, 0, true);
      return { config: { className: 'exponential', config: { rate, steps } }, lrAt: (e, b) => b * rate ** (e / steps) };
    }
    case 'inverse_time': {
      const rate = num(c, 'rate', 0.5, where),
        steps = num(c, 'steps', 1, where, 0, true);
      return {
        config: { className: 'inverse_time', config: { rate, steps } },
        lrAt: (e, b) => b / (1 + (rate * e) / steps),
      };
    }
    case 'cosine': {
      const tMax = num(c, 't_max', undefined, where, 0, true),
        etaMin = num(c, 'eta_min', 0, where);
      return {
        config: { className: 'cosine', config: { t_max: tMax, eta_min: etaMin } },
        lrAt: (e, b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * Math.min(e, tMax)) / tMax))) / 2,
      };
    }
    case 'cosine_restarts': {
      const t0 = num(c, 't_0', undefined, where, 0, true),
        tMult = num(c, 't_mult', 1, where, 1),
        etaMin = num(c, 'eta_min', 0, where);
      if (!Number.isInteger(t0) || !Number.isInteger(tMult))
        throw new ValueError(expected(`${where}.t_0/t_mult`, 'integers', `${t0}/${tMult}`));
      return {
        config: { className: 'cosine_restarts', config: { t_0: t0, t_mult: tMult, eta_min: etaMin } },
        lrAt: (e, b) => {
          const { tCur, tI } = sgdrPosition(e, t0, tMult);
          return etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
        },
        isCycleEnd: (e) => {
          const { tCur, tI } = sgdrPosition(e, t0, tMult);
          return tCur === tI - 1;
        },
      };
    }
    case 'warmup': {
      const epochs = num(c, 'epochs', 5, where, 0, true);
      const then = c.then ? getSchedule(c.then as ScheduleLike, `${where}.then`) : getSchedule('constant');
      return {
        // biome-ignore lint/suspicious/noThenProperty: `then` is the config key users write (warmup: {then: ...})
        config: { className: 'warmup', config: { epochs, then: then.config } },
        lrAt: (e, b) => (e < epochs ? (b * (e + 1)) / epochs : then.lrAt(e - epochs, b)),
        isCycleEnd: then.isCycleEnd ? (e) => e >= epochs && then.isCycleEnd!(e - epochs) : undefined,
      };
    }
    default:
      throw new ValueError(expected(key, `one of ${SCHEDULES.join(', ')}`, cfg.className));
  }
}
