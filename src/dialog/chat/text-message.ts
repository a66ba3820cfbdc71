/** The messages of a text conversation, as the chat API shows them. */

/** One message: what the bot or the user wrote, or a note from the system (transfer, queue…). */
export interface TextMessage {
  from: 'bot' | 'user' | 'system';
  text: string;
  /** ISO 8601 time it was produced. */
  at: string;
  /** `audio`: a `play` step, named rather than played; `event`: a system note. */
  kind?: 'text' | 'audio' | 'event';
}
