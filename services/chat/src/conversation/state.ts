import { ConflictError, type Task, type TaskPatch } from '@todo/core';
import type { ParseResult } from '../parse/contract.ts';
import type { KeyValue } from './kv.ts';

/** What the chat waits for after asking a question. */
export type Pending =
  /** "Delete these 3 tasks?": the next message says yes or no. */
  | { kind: 'confirm'; question: string; action: 'delete'; ids: string[] }
  /**
   * "Add ..., repeating every ...; next: ...?": a rule the chat read is shown in words with its next dates
   * before it is saved, on a new task (`add`) or on the tasks `ids` (`recur`).
   */
  | { kind: 'confirm'; question: string; action: 'add' | 'recur'; request: ParseResult; ids?: string[] }
  /** "Which one?": several tasks matched the words; the next message picks one by position. */
  | { kind: 'choose'; question: string; request: ParseResult; options: { id: string; title: string }[] };

/** The last change, with what it takes to take it back. */
export type Undo =
  | { kind: 'created'; ids: string[] }
  | { kind: 'completed'; ids: string[] }
  | { kind: 'reopened'; ids: string[] }
  | { kind: 'skipped'; ids: string[] }
  | { kind: 'deleted'; tasks: Task[] }
  /** `what` is the intent that changed them (rename, tag, ...), for the reply. */
  | { kind: 'updated'; changes: { id: string; before: TaskPatch }[]; what: string }
  /** A series paused or resumed (`ids` are workflow ids): undone by the other action. */
  | { kind: 'workflow'; ids: string[]; undo: 'pause' | 'resume'; what: string };

export interface Turn {
  role: 'user' | 'assistant';
  text: string;
  at: string;
}

export interface Conversation {
  /** "it": the task(s) last acted on or shown alone. */
  focus: string[];
  /** The tasks of the last list shown, in order: "the first one". */
  list: string[];
  pending?: Pending;
  last?: Undo;
  history: Turn[];
  /** How many turns this conversation has had (the history keeps only the latest). */
  turns?: number;
  /** The latest answers by turn key: a client's retry of one of them gets it again, and nothing is done. */
  answered?: { key: string; body: unknown }[];
}

/** How many answers are kept for retries: a client retries its latest message, not an old one. */
export const ANSWERED_LIMIT = 3;

/** Older turns are dropped past this: the history is for the user's scrollback, not for the engine. */
export const HISTORY_LIMIT = 50;

export const emptyConversation = (): Conversation => ({ focus: [], list: [], history: [] });

/** Another request changed the conversation between our read and our write (two tabs at once). */
export class ConversationConflict extends ConflictError {
  constructor() {
    super(
      'CONVERSATION_CHANGED',
      'another message changed this conversation at the same time: reload it before going on',
    );
  }
}

/**
 * Conversations in the key-value store, one key per owner and conversation: the owner id comes from the
 * verified token, so nobody can name their way into someone else's conversation.
 */
export function createConversations(kv: KeyValue) {
  const key = (owner: string, id: string) => `chat|${owner}|${id}`;
  return {
    async load(owner: string, id: string): Promise<{ state: Conversation; etag: string | null }> {
      const found = await kv.get(key(owner, id));
      if (!found) return { state: emptyConversation(), etag: null };
      return { state: { ...emptyConversation(), ...(found.value as Conversation) }, etag: found.etag };
    },
    async save(owner: string, id: string, state: Conversation, etag: string | null): Promise<void> {
      const bounded = {
        ...state,
        history: state.history.slice(-HISTORY_LIMIT),
        ...(state.answered ? { answered: state.answered.slice(-ANSWERED_LIMIT) } : {}),
      };
      if (!(await kv.set(key(owner, id), bounded, etag))) throw new ConversationConflict();
    },
  };
}
export type Conversations = ReturnType<typeof createConversations>;
