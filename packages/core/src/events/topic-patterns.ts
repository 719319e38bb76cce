import { checkEventName } from '../config-checks.js';
import { ConfigError } from '../errors.js';

/**
 * Event name patterns, with AMQP topic semantics (RabbitMQ's topic exchange): a name is words
 * separated by dots; in a pattern, the word `*` stands for exactly one word and `#` for zero or more.
 * `order.*` matches `order.placed`, not `order` or `order.line.added`; `order.#` matches all three;
 * `#` matches everything. `*` and `#` are wildcards only as whole words: `order.pl*` is a plain name.
 *
 * The same patterns bind queues under topic routing and select handlers on the bus, so a handler
 * for `order.*` runs for the same events whether the broker routes by topic, fans out to every
 * queue, or the memory transport delivers.
 */

/** Whether `name` is a pattern: one of its words is `*` or `#`. */
export function isTopicPattern(name: string): boolean {
  return name.split('.').some((word) => word === '*' || word === '#');
}

/** Whether the event name `name` matches `pattern`. */
export function topicMatches(pattern: string, name: string): boolean {
  const words = name.split('.');
  // matched[i]: the pattern words seen so far can match the first i words of the name.
  let matched = new Array<boolean>(words.length + 1).fill(false);
  matched[0] = true;
  for (const part of pattern.split('.')) {
    const next = new Array<boolean>(words.length + 1).fill(false);
    if (part === '#') {
      let reachable = false;
      for (let index = 0; index <= words.length; index++) {
        reachable ||= matched[index] === true;
        next[index] = reachable;
      }
    } else {
      for (let index = 0; index < words.length; index++) {
        if (matched[index] === true && (part === '*' || part === words[index])) next[index + 1] = true;
      }
    }
    matched = next;
  }
  return matched[words.length] === true;
}

/**
 * Whether an instance that announced `topics` (its broadcast queue's bindings under topic routing)
 * receives `name`; one that announced none receives every event.
 */
export function hears(instance: { readonly topics?: readonly string[] }, name: string): boolean {
  const { topics } = instance;
  return topics === undefined || topics.some((topic) => topic === name || topicMatches(topic, name));
}

const CACHED_NAMES = 1000;

/**
 * The patterns handlers were registered with, and which of them an event name matches, cached per
 * name: the dispatcher asks for every event. A bus without patterns never gets here.
 */
export class TopicPatterns {
  readonly #patterns = new Set<string>();
  readonly #matches = new Map<string, readonly string[]>();

  get size(): number {
    return this.#patterns.size;
  }

  /** Remembers `name` if it is a pattern. */
  note(name: string): void {
    if (this.#patterns.has(name) || !isTopicPattern(name)) return;
    this.#patterns.add(name);
    this.#matches.clear();
  }

  /** The noted patterns `name` matches, not counting `name` itself (its own handlers are found by name). */
  matching(name: string): readonly string[] {
    let found = this.#matches.get(name);
    if (found === undefined) {
      found = [...this.#patterns].filter((pattern) => pattern !== name && topicMatches(pattern, name));
      if (this.#matches.size >= CACHED_NAMES) this.#matches.clear();
      this.#matches.set(name, found);
    }
    return found;
  }
}

/** A name to publish: a pattern (`order.*`, `#`) selects events in `on()`, and is no event's name. */
export function checkPublishedName(name: unknown): asserts name is string {
  checkEventName(name);
  // includes() first: this runs for every publish, and almost no name has either character.
  if ((name.includes('*') || name.includes('#')) && isTopicPattern(name)) {
    throw new ConfigError('name', `"${name}" is a pattern: a "*" or "#" word matches event names in on(); publish a concrete name.`);
  }
}
