// A bounded memo of a pure function of a string: the detector derives the same few
// values over and over (a statement kind's normal form, a role's team, the name
// `table:public.patients`). A value handed out again is the same object, so a
// string's hash is computed once (it is hashed at its first Map look-up). Bounded:
// forgets everything when full (a value is the same whether memoised or not).
export class Memo<T> {
  readonly #values = new Map<string, T>();

  constructor(
    readonly fn: (key: string) => T,
    readonly cap = 4096,
  ) {}

  of(key: string): T {
    let v = this.#values.get(key);
    if (v === undefined) {
      if (this.#values.size >= this.cap) this.#values.clear();
      this.#values.set(key, (v = this.fn(key)));
    }
    return v;
  }
}
