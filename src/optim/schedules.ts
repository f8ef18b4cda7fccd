// Learning-rate schedules as pure functions of the epoch (0-based) and the base rate, in closed form:
//   step:          base * factor^floor(epoch / every)
//   exponential:   base * rate^(epoch / steps)
//   inverse_time:  base / (1 + rate * epoch / steps)
//   cosine:        eta_min + (base - eta_min) (1 + cos(pi * min(epoch, t_max) / t_max)) / 2
//   cosine_restarts (SGDR, as torch CosineAnnealingWarmRestarts): the cosine over cycles of
//                  t_0, t_0*t_mult, t_0*t_mult^2, ... epochs, restarting at base
//   warmup:        base * (epoch + 1) / epochs for the first `epochs` epochs, then `then` (shifted), else base
import { z } from 'zod';
import {
  type Entry,
  e,
  type NamedForm,
  type NamedOf,
  nonNeg,
  optionsGiven,
  optionsObject,
  parseOptions,
  posInt,
  posNum,
  Registry,
  refuseUnknownOptions,
  refuseUnused,
  spellAs,
  withDefault,
} from '../registry.js';

export type ScheduleName =
  | 'constant'
  | 'step'
  | 'exponential'
  | 'inverse_time'
  | 'cosine'
  | 'cosine_restarts'
  | 'warmup';

export interface ScheduleConfig {
  className: ScheduleName;
  config: Record<string, unknown>;
}
/** A name, a config, or Keras/YAML style `{ cosine: { t_max: 400 } }`. */
export type ScheduleLike =
  | ScheduleName
  | ScheduleConfig
  | Record<string, Record<string, unknown>>
  | NamedOf<ScheduleName, NamedForm | null>
  | Schedule;

export interface Schedule {
  readonly config: ScheduleConfig;
  /** Learning rate for this epoch, given the optimizer's base rate. */
  lrAt(epoch: number, base: number): number;
  /** For restarting schedules: true when `epoch` is the last epoch of a cycle. */
  isCycleEnd?(epoch: number): boolean;
}

/**
 * SGDR position: cycle index, epoch within the cycle, cycle length. Counted in integers, as torch's scheduler does
 * step by step: the closed form's log(epoch / t0 (t_mult - 1) + 1) / log(t_mult) falls just below an integer at some
 * restarts (t_0 1, t_mult 10, epoch 111: 2.9999999999999996), which put the restart's epoch at the end of the cycle
 * before (eta_min where the base rate belongs).
 */
export function sgdrPosition(epoch: number, t0: number, tMult: number): { cycle: number; tCur: number; tI: number } {
  if (tMult === 1) return { cycle: Math.floor(epoch / t0), tCur: epoch % t0, tI: t0 };
  let cycle = 0,
    start = 0,
    tI = t0;
  while (epoch >= start + tI) {
    start += tI;
    tI *= tMult;
    cycle++;
  }
  return { cycle, tCur: epoch - start, tI };
}

interface ScheduleEntryOf<S extends z.ZodObject> extends Entry {
  readonly name: ScheduleName;
  readonly options: S;
  readonly doc: string;
  /** The schedule from its checked options (snake_case keys); `where` names it in messages. */
  make(options: z.output<S>, where: string): Schedule;
}
type ScheduleEntry = ScheduleEntryOf<z.ZodObject>;
const entry = <S extends z.ZodObject>(x: ScheduleEntryOf<S>): ScheduleEntryOf<S> => x;

const gt0 = () => posNum('a number > 0');
const ge0 = () => nonNeg('a number >= 0');
const cosineAt = (b: number, etaMin: number, tCur: number, tI: number): number =>
  etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
const schedule = z.custom<ScheduleLike>(
  (v) => typeof v === 'string' || (typeof v === 'object' && v !== null),
  e('a schedule such as {cosine: {t_max: 100}}'),
);

export const scheduleRegistry = new Registry<ScheduleEntry>(
  { kind: 'schedule', title: 'schedules', note: "per epoch, from the optimizer's learning rate" },
  [
    entry({
      name: 'constant',
      doc: 'the base rate',
      options: optionsObject({}),
      make: (c) => ({ config: { className: 'constant', config: c }, lrAt: (_e, b) => b }),
    }),
    entry({
      name: 'step',
      doc: 'factor every `every` epochs',
      options: optionsObject({ factor: withDefault(gt0().optional(), 0.5), every: withDefault(gt0().optional(), 10) }),
      make: ({ factor = 0.5, every = 10 }) => ({
        config: { className: 'step', config: { factor, every } },
        lrAt: (e, b) => b * factor ** Math.floor(e / every),
      }),
    }),
    entry({
      name: 'exponential',
      doc: 'rate^(epoch / steps)',
      options: optionsObject({ rate: withDefault(gt0().optional(), 0.96), steps: withDefault(gt0().optional(), 1) }),
      make: ({ rate = 0.96, steps = 1 }) => ({
        config: { className: 'exponential', config: { rate, steps } },
        lrAt: (e, b) => b * rate ** (e / steps),
      }),
    }),
    entry({
      name: 'inverse_time',
      doc: '1 / (1 + rate epoch / steps)',
      options: optionsObject({ rate: withDefault(ge0().optional(), 0.5), steps: withDefault(gt0().optional(), 1) }),
      make: ({ rate = 0.5, steps = 1 }) => ({
        config: { className: 'inverse_time', config: { rate, steps } },
        lrAt: (e, b) => b / (1 + (rate * e) / steps),
      }),
    }),
    entry({
      name: 'cosine',
      doc: 'cosine annealing to eta_min over t_max epochs',
      options: optionsObject({ t_max: gt0(), eta_min: withDefault(ge0().optional(), 0) }),
      make: ({ t_max: tMax, eta_min: etaMin = 0 }) => ({
        config: { className: 'cosine', config: { t_max: tMax, eta_min: etaMin } },
        lrAt: (e, b) => cosineAt(b, etaMin, Math.min(e, tMax), tMax),
      }),
    }),
    entry({
      name: 'cosine_restarts',
      doc: 'SGDR: cycles of t_0, t_0 t_mult, ... epochs',
      options: optionsObject({
        t_0: posInt('an integer > 0'),
        t_mult: withDefault(posInt('an integer >= 1').optional(), 1),
        eta_min: withDefault(ge0().optional(), 0),
      }),
      make: ({ t_0: t0, t_mult: tMult = 1, eta_min: etaMin = 0 }) => ({
        config: { className: 'cosine_restarts', config: { t_0: t0, t_mult: tMult, eta_min: etaMin } },
        lrAt: (e, b) => {
          const { tCur, tI } = sgdrPosition(e, t0, tMult);
          return cosineAt(b, etaMin, tCur, tI);
        },
        isCycleEnd: (e) => {
          const { tCur, tI } = sgdrPosition(e, t0, tMult);
          return tCur === tI - 1;
        },
      }),
    }),
    entry({
      name: 'warmup',
      doc: 'linear over `epochs`, then any of the others',
      options: optionsObject({
        epochs: withDefault(posInt('an integer > 0').optional(), 5),
        // biome-ignore lint/suspicious/noThenProperty: `then` is the config key users write (warmup: {then: ...})
        then: schedule.optional(),
      }),
      make: ({ epochs = 5, then: next }, where) => {
        const then = next ? getSchedule(next, `${where}.then`) : getSchedule('constant');
        return {
          // biome-ignore lint/suspicious/noThenProperty: `then` is the config key users write (warmup: {then: ...})
          config: { className: 'warmup', config: { epochs, then: then.config } },
          lrAt: (e, b) => (e < epochs ? (b * (e + 1)) / epochs : then.lrAt(e - epochs, b)),
          isCycleEnd: then.isCycleEnd ? (e) => e >= epochs && then.isCycleEnd!(e - epochs) : undefined,
        };
      },
    }),
  ],
);
export const SCHEDULES: readonly ScheduleName[] = scheduleRegistry.names;

/** A schedule from a name, a `{ className, config }`, a config file's `{ cosine: { t_max: 400 } }` or an instance. */
export function getSchedule(like: ScheduleLike, key = 'schedule'): Schedule {
  if (typeof like === 'object' && like !== null && 'lrAt' in like) return like as Schedule;
  const { entry, options } = scheduleRegistry.resolve(like, key);
  const where = `${key}.${entry.name}`;
  const known = Object.keys(entry.options.shape);
  const spelled = spellAs(optionsGiven(entry.options, options), known);
  refuseUnknownOptions(like, spelled, known, where);
  // only seqtune writes a schedule's { className, config }: every key it does not know is refused
  refuseUnused(like, spelled, known, where);
  return entry.make(parseOptions(entry.options.strip(), spelled, where), where);
}

/** A schedule in the config schema: a name or `{name: options}`, kept as written. */
export const scheduleOption = () => scheduleRegistry.schema<ScheduleLike>('either');
