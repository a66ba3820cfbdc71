/** Why a chat request was refused, with the field to name (the API maps `code` to a status). */
export class ChatRequestError extends Error {
  constructor(
    /** `not_found` → 404, `bad_request` → 400. */
    readonly code: 'not_found' | 'bad_request',
    /** The request field at fault: `flow`, `agent`, `sessionId`, `text`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChatRequestError';
  }
}
